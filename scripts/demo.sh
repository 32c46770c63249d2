#!/bin/bash
# Set up this machine (as root), build ckpt and run its main job on the
# built-in demo workload: checkpoint a counter, restore it, show it carried on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/src/cli/ckpt demo "$@"
