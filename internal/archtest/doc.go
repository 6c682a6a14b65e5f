// Package archtest holds tests that enforce the project's architecture: the
// dependency rules of ARCHITECTURE.md and a doc comment on every package.
package archtest
