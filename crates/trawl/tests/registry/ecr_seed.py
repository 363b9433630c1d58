"""Seeds moto's ECR with repositories and images, as a push to ECR would leave them.

usage: ecr_seed.py ENDPOINT REGION SPEC.json
SPEC: [{"repository": "team/api", "tag": "1.0", "manifest": "<raw manifest JSON>"}, ...]
Credentials come from the environment (moto accepts any).
"""
import json
import sys

import boto3


def main() -> None:
    endpoint, region, spec_path = sys.argv[1:4]
    ecr = boto3.client("ecr", endpoint_url=endpoint, region_name=region)
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    made = set()
    for item in spec:
        repo = item["repository"]
        if repo not in made:
            ecr.create_repository(repositoryName=repo)
            made.add(repo)
        ecr.put_image(repositoryName=repo, imageManifest=item["manifest"], imageTag=item["tag"])
    print(json.dumps(sorted(made)))


if __name__ == "__main__":
    main()
