"""The local test bed: the two-region estate built in moto with the emulator installed, the
SAM template reader it is built from, and the fake /health endpoints. Used by the tests and
the local drill; not part of the emulation (:mod:`emulator`) nor of the product."""
