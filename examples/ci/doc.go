// Package ci is the CI example: fleet.yaml runs 200 phones calling each other
// in pairs against a SIP registrar, run.sh runs it and leaves a JUnit report,
// and fleet-failing.yaml shows a failing step turning the report red. The
// test runs both against Kamailio.
package ci
