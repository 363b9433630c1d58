module example.com/fixture

go 1.19

require (
	github.com/gorilla/mux v1.8.0
	golang.org/x/net v0.0.0-20220722155237-a158d28d115b // indirect
	golang.org/x/text v0.3.7
)

replace github.com/gorilla/mux => github.com/gorilla/mux v1.7.4
