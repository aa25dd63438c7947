#!/usr/bin/env bash
# Roll out an overlay: run the migration Job to completion first, then everything else.
# Usage: deploy/kubernetes/rollout.sh [production|in-cluster]
set -euo pipefail
overlay="$(dirname "$0")/overlays/${1:-production}"
ns=threadr
# A Job's pod template is immutable: the previous release's Job goes first.
kubectl -n "$ns" delete job threadr-migrate --ignore-not-found --wait=true
kubectl kustomize "$overlay" > /tmp/threadr-rendered.yaml
kubectl apply -f /tmp/threadr-rendered.yaml --selector 'app.kubernetes.io/component notin (api,worker,discord)'
kubectl -n "$ns" wait --for=condition=complete job/threadr-migrate --timeout=600s
kubectl apply -f /tmp/threadr-rendered.yaml
kubectl -n "$ns" rollout status deployment/threadr-api --timeout=600s
