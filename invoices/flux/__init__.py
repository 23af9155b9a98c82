"""Flux (`/flux/`): EDI files (UBL, CII, Factur-X, batches) deposited, pre-checked and processed.

`services` stores a file as a flux and processes it (unpack, validate, integrate each invoice);
`views` and `urls` are the supplier's pages."""
