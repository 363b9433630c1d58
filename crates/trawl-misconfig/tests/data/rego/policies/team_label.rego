# Kubernetes policy: every Deployment names its owning team; a plain string message.
package user.kubernetes.team_label

deny contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.team
	msg := sprintf("Deployment %s has no `team` label", [input.metadata.name])
}
