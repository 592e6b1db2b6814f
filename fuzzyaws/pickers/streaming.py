"""pyfzf's FzfPrompt, extended to stream: pyfzf's own `prompt` writes every item to a
temporary file and runs fzf through /bin/sh once all are written; `StreamingFzf` goes on
feeding an fzf already drawing (pickers/fzf.py's `Started`), then reads its answer. The
only module that imports pyfzf: fzf.py imports it once fzf has its first screenful."""
from __future__ import annotations

import os

from pyfzf.pyfzf import FzfPrompt

BATCH = 4096  # items a write after the first screenful


class StreamingFzf(FzfPrompt):
    def finish(self, fzf, lines) -> "tuple[int, list]":
        """Feed `fzf` (a Started fzf) the rest of `lines` as they are made, then its exit
        status and the lines it printed."""
        batch = []
        with fzf.feed, fzf.out:
            for line in lines:
                batch.append(line)
                if len(batch) >= BATCH:
                    if not fzf.write(batch):
                        break
                    batch = []
            else:
                if batch:
                    fzf.write(batch)
            try:
                fzf.feed.close()
            except BrokenPipeError:
                pass  # what was buffered is not wanted: fzf is done
            output = fzf.out.read().decode("utf-8", "replace")
        status = os.waitstatus_to_exitcode(os.waitpid(fzf.pid, 0)[1])
        return status, [line for line in output.split("\n") if line]
