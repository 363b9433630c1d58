#!/usr/bin/env bash
# ECR discovery tests: moto's server mode (PyPI moto[server]) answers the ECR and STS APIs on 127.0.0.1; boto3
# (a moto dependency) seeds it.
set -euo pipefail
python3 -c 'import moto.server, boto3, flask_cors' 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check 'moto[server]'
