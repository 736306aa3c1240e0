# Messages of the catalog pages: the product list, a product's page with
# its prices, stock and movements, the stock forms and the stock overview.

## The product list

catalog-title = Catalog
catalog-search-label = Search by SKU, name or barcode
catalog-search = Search
catalog-category = Category
catalog-category-all = All categories
catalog-sku = SKU
catalog-name = Name
catalog-unit = Unit
catalog-vat = VAT
catalog-discontinued = discontinued
catalog-none = No product matches.
catalog-showing = { $count ->
    [one] { $shown } product on this page
   *[other] { $shown } products on this page
}
catalog-pages = Pages of the list
catalog-next = Next page
catalog-first = First page
catalog-stock-link = Stock overview and low stock

## A product's page

product-title = Product
product-not-found = Product not found
product-not-found-body = There is no product at this address. It may have been mistyped.
product-back = Back to the catalog
product-barcode = Barcode
product-kind = Kind
product-kind-stock-tracked = Goods kept in stock
product-kind-service = Service
product-negative-stock = Stock may go below zero
product-yes = Yes
product-no = No
product-prices = Prices
product-no-prices = No price list has a price for this product.
product-price-list = Price list
product-scope = For
product-scope-everyone = Everyone
product-scope-segment = Segment “{ $segment }”
product-scope-party = Customer { $customer }
product-from-quantity = From quantity
product-unit-price = Unit price
product-vat-column = VAT
product-vat-included = included
product-vat-excluded = on top
product-discounts = Standing discounts
product-discount = Discount
product-applies-to = Applies to
product-discount-this-product = This product
product-discount-all-products = Every product of the list
product-stock = Stock per warehouse
product-no-stock = No stock of this product has moved yet.
product-service-no-stock = A service has no stock.
product-movements = Movements
product-no-movements = No movements yet.

## Stock figures

stock-warehouse = Warehouse
stock-on-hand = On hand
stock-reserved = Reserved
stock-available = Available
stock-in-transit = In transit
stock-average-cost = Average cost
stock-reorder-level = Reorder level
stock-total = All warehouses
stock-quantity = Quantity

## Movements

movement-when = Date
movement-kind = Movement
movement-change = Change
movement-balance = Balance in the warehouse
movement-unit-cost = Unit cost
movement-detail = Reference
movement-received = Receipt
movement-issued = Issue
movement-transferred-out = Transfer out
movement-transferred-in = Transfer in
movement-counted = Inventory count
movement-returned = Return
movement-consumed = Used in production
movement-production = Production order { $number }
movement-to = to { $warehouse }
movement-from = from { $warehouse }
movements-older = Older movements
movements-newest = Newest movements

## The stock forms

stock-actions = Receive, write off, transfer, count
stock-choose-warehouse = Choose a warehouse
stock-no-warehouses = No warehouse is open yet, so no stock can be received.
stock-insufficient = The warehouse does not hold that much of this product.
stock-cost-number = Enter zero or a positive amount, such as 2.50.
receipt-heading = Goods receipt
receipt-unit-cost = Unit cost
receipt-reference = Reference (optional)
receipt-submit = Receive
transfer-heading = Transfer between warehouses
transfer-from = From warehouse
transfer-to = To warehouse
transfer-submit = Transfer
transfer-same-warehouse = Choose a warehouse other than the one the goods leave.
count-heading = Inventory count
count-counted = Counted quantity
count-submit = Record the count
count-not-negative = Enter zero or a number greater than zero.
stock-business-day = Business day (blank: now)
stock-business-time = Time (optional)
writeoff-heading = Write-off
writeoff-submit = Write off
writeoff-reason = Reason
writeoff-reason-required = Say why the goods are written off.
writeoff-reason-damaged = Damaged
writeoff-reason-expired = Expired
writeoff-reason-lost = Lost
writeoff-reason-internal = Used in-house
reorder-heading = Reorder level
reorder-level = Reorder below (blank: no level)
reorder-submit = Set the level
movement-saved = Saved: { $kind } { $change } in { $warehouse }, { $when }.
movement-balances = { $count ->
    [0] Balance after it: { $after }.
    [one] Balance after it: { $after }. One later movement recomputed; balance now: { $now }.
   *[other] Balance after it: { $after }. { $later } later movements recomputed; balance now: { $now }.
}

## The stock overview

stock-title = Stock overview
stock-show = Show
stock-closed = (closed)
stock-in-warehouse = Stock in this warehouse
stock-none = No stock in this warehouse matches.
stock-is-low = low
stock-low = Low stock in every warehouse
stock-low-none = No stock is below its reorder level.
stock-shortfall = Shortfall
product-new = New product
product-new-title = New product
product-edit = Edit the product
product-edit-title = Edit the product
product-sku = SKU
product-unit = Unit
product-name = Name
product-category = Category (optional)
product-barcode-optional = Barcode (optional)
product-vat = VAT, %
product-discontinued = Discontinued: no longer sold
product-new-submit = Add the product
form-sku = A SKU is letters, digits, dots, dashes or underscores, without spaces.
form-sku-taken = Another product already has this SKU.
form-unit = Enter a unit such as pcs, kg or m.
form-vat = Enter a VAT rate from 0 to 100, such as 20.

## Warehouses

warehouses-title = Warehouses
warehouses-link = Warehouses
warehouses-none = No warehouse is open yet.
warehouses-name = Name
warehouses-negative = May go below zero
warehouses-negative-help = Stock here may go below zero (goods shipped before their receipt is entered)
warehouses-allow-negative = Allow below zero
warehouses-forbid-negative = Forbid below zero
warehouses-rename = Rename
warehouses-close = Close
warehouses-new = Open a warehouse
warehouses-open-submit = Open the warehouse
warehouses-name-blank = The warehouse was not renamed: its name must not be blank.

## Price lists

price-lists-title = Price lists
price-lists-link = Price lists
price-lists-none = No price list yet.
price-list-title = Price list
price-list-name = Name
price-list-currency = Currency
price-list-vat = VAT
price-list-vat-help = Prices include VAT (retail)
price-list-prices = Prices
price-list-discounts = Standing discounts
price-list-new = Define a price list
price-list-define = Define the list
price-list-rename = Rename the list
price-quote = What a customer pays
price-quote-submit = Show the price
price-customer = Customer
price-customer-optional = Customer (blank: anyone)
price-product = Product
price-sku = SKU
price-sku-optional = SKU (blank: every product)
price-list-price = List price
price-source = { $scope }, from { $from }
price-unit-price = Unit price
price-total = For the quantity
price-scope = For
price-scope-tag = Customers tagged
price-scope-customer = One customer
price-tag = Tag
price-set = Set a price
price-set-discount = Set a discount
price-discount-kind = Discount in
price-remove = Remove
price-more = Only the first 200 prices are shown: search to narrow them.
price-none-listed = No prices on this list yet.
price-no-discounts = No standing discounts on this list.
price-sku-unknown = No product has this SKU.
price-tag-required = Enter the tag.
price-customer-required = Enter a customer's name.
price-customer-none = No customer of yours matches.
price-customer-several = Several customers match: type more of the name.
price-discount-invalid = Enter a percentage from 0 to 100, or an amount of zero or more.
price-discontinued = This product is discontinued and has no price.
price-none = This list has no price for this product.
