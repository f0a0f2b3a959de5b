"""intranet-hello: the example plugin for intranet-core.

The hooks are in :mod:`intranet_hello.plugin`, the module the ``intranet``
entry point names. Start reading there.
"""

__version__ = "0.1.0"
