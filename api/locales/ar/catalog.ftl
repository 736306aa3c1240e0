# Messages of the catalog pages.
