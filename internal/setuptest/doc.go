// Package setuptest holds the test that runs the Makefile's install steps on a simulated bare
// machine: a PATH with stubs for apt-get, npm, id and sudo, and no chromium. A green CI on a
// developer's machine cannot catch a broken install step, because everything is already installed
// there; this test can.
package setuptest
