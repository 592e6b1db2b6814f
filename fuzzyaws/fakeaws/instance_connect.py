"""EC2 Instance Connect's SendSSHPublicKey, recorded (moto answers it without keeping
anything): tests read ``aws.state.pushed_keys`` to see which key went to which instance
and login, as AWS would hold it for 60 seconds."""

from __future__ import annotations

import uuid

from .local import HandlerTable, LocalRequest


def send_ssh_public_key(req: LocalRequest) -> dict:
    req.state.pushed_keys.append({"account": req.info.account, "region": req.info.region,
                                  "instance": req.params.get("InstanceId"),
                                  "user": req.params.get("InstanceOSUser"),
                                  "key": req.params.get("SSHPublicKey")})
    return {"RequestId": str(uuid.uuid4()), "Success": True}


HANDLERS: HandlerTable = {("ec2-instance-connect", "SendSSHPublicKey"): send_ssh_public_key}
