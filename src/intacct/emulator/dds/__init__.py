"""Sage's Data Delivery Service (DDS), emulated: a company's DDS settings and cloud
storage targets (:mod:`.settings`, set through the ``/_emulator/dds`` control since
Intacct sets them up in its UI), its jobs (:mod:`.jobs`, read as DDSJOB records through
the gateway's reads), the CSV files a job exports (:mod:`.files`) and where they are
written (:mod:`.storage`, a real object store: one that speaks the S3 API, or Azure Blob
Storage). The gateway's functions are in :mod:`intacct.emulator.handlers.dds`; what is
ours rather than Sage's is marked [U] where it is decided and listed in
docs/emulator.md."""
