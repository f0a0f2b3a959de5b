"""The plugin contract every plugin runs (``intranet_core.plugin_contract``)."""

from intranet_core.plugin_contract import PluginContract


class TestContract(PluginContract):
    name = "phonebook"
