# Messages of the tasks pages.
