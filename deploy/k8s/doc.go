// Package k8s holds the Kubernetes manifest of a distributed fleet
// (fleet-job.yaml: an Indexed Job running one shard per pod;
// fleet-merge-job.yaml: the merge of their reports); its test checks the
// manifests against the fleet command.
package k8s
