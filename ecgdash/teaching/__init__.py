"""Teaching with the models: the Learn page's numbers (``learn``), dealing a quiz set (``quiz``)
and the ready lessons (``lessons``)."""
