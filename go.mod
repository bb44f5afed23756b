module github.com/bonafide-pad/bonafide

go 1.27.0

toolchain go1.27.3

require github.com/esimov/pigo v1.4.6
