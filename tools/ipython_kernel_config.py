"""The project's Jupyter kernels' config: `make venv` copies it to .venv/etc/ipython/, where IPython reads it.

papermill and nbclient start their kernels on local TCP ports, and ipykernel 7 then warns on every run that the
kernel "is running over TCP without encryption". Nothing a user of this package can act on (the kernel is theirs, on
their machine), so `make run` and `make test` drop that one notice; every other message of the kernel is kept.
"""
import logging


class DropUnencryptedTCPNotice(logging.Filter):
    "Keep every kernel log record but the notice that local kernels talk over unencrypted TCP."
    def filter(self, record: logging.LogRecord) -> bool: return "running over TCP without encryption" not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(DropUnencryptedTCPNotice())
