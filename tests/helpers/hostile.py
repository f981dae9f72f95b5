"""Job documents and file trees as a hostile pull-request author would commit them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# A create request that passes the baseline pack.
GOOD_REQUEST: dict[str, Any] = {
    "jobName": "good-ft-job",
    "customModelName": "good-model",
    "roleArn": "arn:aws:iam::111122223333:role/service-role/BedrockFT",
    "baseModelIdentifier": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-lite-v1",
    "customizationType": "FINE_TUNING",
    "hyperParameters": {"epochCount": "2", "batchSize": "1", "learningRate": ".0001"},
    "trainingDataConfig": {"s3Uri": "s3://corp-train/data/train.jsonl"},
    "validationDataConfig": {"validators": [{"s3Uri": "s3://corp-train/data/val.jsonl"}]},
    "outputDataConfig": {"s3Uri": "s3://corp-out/jobs/"},
    "customModelKmsKeyId": KEY_ARN,
    "vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]},
}


def request(**overrides: Any) -> dict[str, Any]:
    """A copy of GOOD_REQUEST with top-level fields replaced (None removes the field)."""
    document = copy.deepcopy(GOOD_REQUEST)
    for key, value in overrides.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def failing_request(**overrides: Any) -> dict[str, Any]:
    """A create request that fails BMC001 (no vpcConfig), with overrides."""
    return request(vpcConfig=None, **overrides)


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path
