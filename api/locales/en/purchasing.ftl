# Purchasing: suppliers, purchase orders, deliveries, exchange rates.

nav-purchasing = Purchasing
purchases-title = Purchase orders
purchase-new = New purchase order
purchases-open-worth = { $count ->
    [one] One open order still awaits { $amount }
   *[other] { $shown } open orders still await { $amount }
}
purchases-late = { $count ->
    [one] One order is late
   *[other] { $shown } orders are late
}
purchases-search = Number
purchases-none = No purchase orders here.
purchase-column-number = Purchase order
purchase-supplier = Supplier
purchase-expected = Expected on
purchase-status-draft = Draft
purchase-status-sent = Sent
purchase-status-partially-received = Partly received
purchase-status-received = Received
purchase-status-invoiced = Invoiced
purchase-status-paid = Paid
purchase-status-cancelled = Cancelled
purchase-not-found = No such purchase order
purchase-not-found-body = This purchase order does not exist, or it is not yours to see.
purchase-back = Back to purchase orders
purchase-currency-unset = The company currency is not set yet: nothing can be bought until an administrator sets it.
purchase-new-title = New purchase order
purchase-reference = Supplier's reference
purchase-unit-price = Unit price
purchase-draft-submit = Draft the purchase order
purchase-title = Purchase order
purchase-number = Purchase order { $number }
purchase-amount = Amount
purchase-received = Received
purchase-receive-quantity = Arrived now
purchase-receive-heading = Receive a delivery
purchase-landed-note = Freight, duty and other costs of bringing the goods in, in { $currency }: they are spread over the lines and raise what the goods cost.
purchase-cost-label = Cost
purchase-cost-example = Freight
purchase-cost-amount = Amount
purchase-spread = Spread the costs by
purchase-spread-value = value
purchase-spread-quantity = quantity
purchase-received-on = Arrived on
purchase-receive-submit = Receive into stock
purchase-add-line = Add the line
purchase-send = Send to the supplier
purchase-receipts = Deliveries
purchase-rate = Rate
purchase-landed = Landed costs
purchase-receipt-lines = Goods, at their unit cost
purchase-cancel-reason = Why cancel?
purchase-cancel = Cancel the purchase order
purchase-receive-needs-a-line = Enter how much of at least one line arrived.
purchase-cost-invalid = Each cost needs a name and an amount such as 120.00.

rates-title = Currencies and rates
rates-company-currency = Company currency
rates-company-currency-note = stock, margins and every report are in it.
rates-set-once = Set it (once)
rates-daily = Daily exchange rates
rates-show = Show
rates-none = No rates of this currency yet.
rates-day = Day
rates-rate-in = Rate in { $currency }
rates-rate = Rate (company currency for one unit)
rates-enter = Record the rate
rates-import = Paste rates as CSV: currency, day, rate
rates-import-submit = Import the rates
rates-imported = Rates recorded: { $set }; already known: { $unchanged }.
rates-problem = Line { $line }: { $problem }
rates-nothing-imported = Nothing was imported: correct these lines and import again.
rates-rate-invalid = Enter a rate above zero such as 0.9137.

party-roles = Roles
party-role-customer = Customer
party-role-supplier = Supplier
party-roles-one = A party is a customer, a supplier or both.

offers-title = Suppliers and prices
offers-for = Where { $product } is bought
offers-back = Back to the product
offers-no-product = No such product
offers-no-product-body = This product does not exist.
offers-none = No supplier offers this product yet.
offers-code = Supplier's code
offers-minimum = Minimum
offers-pack = Pack of
offers-lead = Lead time
offers-lead-days = { $days } d
offers-preferred = preferred
offers-chosen = ordered from
offers-prefer = Prefer
offers-withdraw = Withdraw
offers-set = A supplier's offer
offers-save = Save the offer
offers-lead-invalid = Enter whole days from 0 to 365.

replenishment-title = What to order
replenishment-rule = A line is suggested when available stock and what is on order will fall below the reorder level before new goods arrive (at the last 28 days' sales); the quantity lasts two more weeks, in the supplier's packs.
replenishment-none = Nothing needs ordering now.
replenishment-pick = Order this line
replenishment-available = Available
replenishment-on-order = On order
replenishment-level = Reorder level
replenishment-rate = Per day
replenishment-quantity = To order
replenishment-no-supplier = No supplier: add an offer
replenishment-draft = Draft purchase orders from the ticked lines
replenishment-more = { $count } more lines are not shown.
replenishment-pick-one = Tick at least one line.
replenishment-bad-quantity = Each ticked line needs a quantity greater than zero.

purchase-bills = Supplier's invoices
purchase-bill-number = Invoice number
purchase-bill-due = Due
purchase-bill-outstanding = Outstanding
purchase-bill-record = Record the supplier's invoice
purchase-bill-issued = Issued on
purchase-bill-submit = Record the invoice
purchase-pay = Pay
purchase-pay-amount = Amount to pay

kpi-purchasing = Open purchase orders
kpi-purchasing-note = { $count ->
    [one] One order still to arrive, { $late } late
   *[other] { $shown } orders still to arrive, { $late } late
}

payables-title = Owed to suppliers
payables-link = Owed to suppliers
payables-as-of = Owed at the end of
payables-from = Differences from
payables-to = to
payables-span = Choose a span of at most a year, its start before its end.
payables-ageing = Open supplier invoices by age
payables-none = Nothing is owed to suppliers at the end of that day.
payables-not-due = Not due
payables-1-30 = 1–30 days
payables-31-60 = 31–60 days
payables-61-90 = 61–90 days
payables-over-90 = Over 90 days
payables-differences = Realized exchange differences
payables-differences-note = Each part of a supplier payment in another currency, valued at the rate of the invoice's day and of the payment's: a gain when the payment cost less in the company currency, a loss (negative) when it cost more.
payables-differences-none = No exchange differences were realized in that span.
payables-invoice = Invoice
payables-paid = Part paid
payables-gain = Gain or loss
payables-advances = Paid in advance
payables-advances-note = Paid to a supplier beyond their invoices, at the end of that day: their next invoice in the same currency is paid from it first.
payables-advance = Advance
