"""ssh without key files: a key pair made for one session (ssh-keygen, in a directory only
the user can read), its public half pushed to the instance with EC2 Instance Connect
(SendSSHPublicKey: the instance accepts it for 60 seconds, for that login), and both
halves deleted when the session ends. Hybrid nodes and Windows have no Instance Connect:
there the user's own keys are used, as `--identity FILE` asks for."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager

from fuzzyaws.aws.errors import AwsError
from fuzzyaws.which import which


def why_not(instance) -> "str | None":
    """Why EC2 Instance Connect cannot reach `instance`, or None."""
    if instance.kind != "ec2":
        return "EC2 Instance Connect does not reach hybrid nodes"
    if instance.windows:
        return "EC2 Instance Connect does not reach Windows"
    return None


@contextmanager
def pushed(app, instance, user: str):
    """The path of a private key `user` may log in to `instance` with in the next 60 s, or
    None (with the reason said) when there is none: the user's own keys are used then."""
    reason = why_not(instance)
    keygen = which("ssh-keygen", app.env.get("PATH"))
    if reason or keygen is None:
        app.console.info(f"{reason or 'ssh-keygen is not installed'}: using your own ssh keys")
        yield None
        return
    directory = tempfile.mkdtemp(prefix="fuzzyaws-key-")  # mode 0700
    key = os.path.join(directory, "id_ed25519")
    try:
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-C", f"fuzzyaws-one-time-{instance.id}",
                        "-f", key], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        with open(key + ".pub") as fh:
            public = fh.read().strip()
        app.aws.client_for(instance, "ec2-instance-connect").send_ssh_public_key(
            InstanceId=instance.id, InstanceOSUser=user, SSHPublicKey=public)
    except (AwsError, OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(directory, ignore_errors=True)  # before the caller may exec
        app.console.warn(f"cannot push a one-time key ({exc}): using your own ssh keys")
        yield None
        return
    try:
        yield key
    finally:
        shutil.rmtree(directory, ignore_errors=True)
