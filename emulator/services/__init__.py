"""One module per emulated AWS service (or per concern of one). Each registers itself with
the world when imported (:func:`emulator.world.register`); :class:`emulator.Emulator`
imports them all. A service reaches another only at run time, by name
(``self.world.service("eventbridge")``): it never imports the emulator, and names another
service's class in type annotations only."""
