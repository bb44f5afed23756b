module github.com/bonafide-pad/bonafide

go 1.27.0

toolchain go1.27.3
