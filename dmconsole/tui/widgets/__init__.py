"""The console's widgets, one per module. Each is fed views by the app and never sees the engine."""

from .command_line import CommandLine, CommandSuggester
from .detail_pane import DetailPane
from .device_table import DeviceTable
from .event_log import EventLog
from .format import fmt_bytes, fmt_size, target_line
from .output_log import OutputLog
from .stack_tree import NodeInfo, StackTree
from .status_bar import StatusBar

__all__ = ["CommandLine", "CommandSuggester", "DetailPane", "DeviceTable", "EventLog", "NodeInfo", "OutputLog",
           "StackTree", "StatusBar", "fmt_bytes", "fmt_size", "target_line"]
