# Dockerfile policy: `apk upgrade` in a RUN makes builds unreproducible.
package user.dockerfile.no_apk_upgrade

deny contains res if {
	some ins in input.instructions
	ins.cmd == "RUN"
	contains(ins.value, "apk upgrade")
	res := {
		"id": "ACME-DS-001",
		"title": "apk upgrade in a RUN",
		"severity": "HIGH",
		"msg": sprintf("RUN at line %d upgrades every package", [ins.start_line]),
		"resolution": "Pin the base image instead of upgrading in the build",
		"start_line": ins.start_line,
		"end_line": ins.end_line,
	}
}
