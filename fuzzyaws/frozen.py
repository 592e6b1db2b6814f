"""`Frozen`: a small immutable record, for settings, options, resources and listings.

Not `dataclasses`: importing it (with `inspect`) costs the warm path more than the
whole rest of reading the cache. A subclass names its fields as annotations, with
defaults as class attributes:

    class Point(Frozen):
        x: int
        y: int = 0

    Point(x=1).replace(y=2) == Point(x=1, y=2)
"""
from __future__ import annotations

_MISSING = object()


class Frozen:
    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        names = []
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__annotations__", ()):
                if name not in names:
                    names.append(name)
        cls._fields = tuple(names)

    def __init__(self, **values):
        fields = self._fields
        unknown = set(values) - set(fields)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown field {sorted(unknown)[0]!r}")
        data = self.__dict__
        for name in fields:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = getattr(type(self), name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{type(self).__name__}: missing field {name!r}")
                if isinstance(value, (dict, list)):  # a default is never shared
                    value = type(value)(value)
            data[name] = value

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is frozen")

    __delattr__ = __setattr__

    def replace(self, **changes):
        cls = type(self)
        if cls.__init__ is not Frozen.__init__:
            return cls(**{**self.__dict__, **changes})
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{cls.__name__}: unknown field {sorted(unknown)[0]!r}")
        copy = object.__new__(cls)  # every field is set already: no defaults to look up
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"
