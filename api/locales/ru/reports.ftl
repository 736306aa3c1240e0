# Messages of the reports pages.
