package user.broken

deny contains msg if {
	msg := "never"
	input.kind == 
}
