# HyperCRM web UI, English. Every id here must exist in ru and ar too
# (a unit test checks). Numbers and dates arrive already formatted.

app-name = HyperCRM
skip-to-content = Skip to content
nav-label = Modules
nav-dashboard = Dashboard
nav-customers = Customers
nav-pipeline = Pipeline
nav-catalog = Catalog & stock
nav-orders = Orders
nav-tasks = Tasks & calendar
nav-reports = Reports
language-label = Language
language-change = Change


dashboard-title = Dashboard
dashboard-today = Today, { $date }
dashboard-period = Period { $range }
dashboard-period-form = Choose a period
dashboard-from = From
dashboard-to = To
dashboard-show = Show
dashboard-live-note = The figures update by themselves as events are recorded ({ $events } so far).
kpi-sales = Sales
kpi-sales-note = Net total of confirmed orders
kpi-orders = Orders
kpi-orders-note = Orders confirmed
kpi-payments = Payments
kpi-payments-note = Amounts received
kpi-units = Units shipped
kpi-units-week-note = This week, from { $date }
kpi-units-period-note = In the period
kpi-overdue = Overdue invoices
kpi-overdue-note = { $count ->
    [one] { $shown } invoice overdue
   *[other] { $shown } invoices overdue
}
kpi-none = Nothing yet
chart-sales-by-day = Sales by day
chart-sales-caption = Net total of orders confirmed each day of the period, in { $currency }.
chart-no-sales = No sales in this period.
chart-funnel = Sales funnel
chart-funnel-none = No deals were opened in this period.
chart-funnel-opened = Opened
chart-funnel-won = Won
chart-funnel-lost = Lost
chart-funnel-caption = Deals of the { $pipeline } pipeline opened in the period: how many reached each stage, and the share of the step before.
chart-stock = Stock value: { $total }
chart-stock-none = No warehouse holds stock yet.
chart-stock-other = Other warehouses
chart-stock-caption = Goods on hand now at their moving average cost, per warehouse.
chart-ageing = Receivables by age
chart-ageing-none = No invoices yet.
chart-ageing-caption = Owed by customers at the end of today, by days past due: { $total } in all.
error-date = Enter a date as YYYY-MM-DD.
error-period-order = The start must not be after the end.
error-period-long = A period can be at most 366 days.

customers-title = Customers
customers-search-label = Search by name, phone, email or tag
customers-search = Search
customers-name = Name
customers-kind = Kind
customers-email = Email
customers-phone = Phone
customers-tags = Tags
customers-company = Company
customers-person = Person
customers-none = No customers match.
customers-next = Next page
customers-first = First page
customers-showing = { $count ->
    [one] { $shown } customer on this page
   *[other] { $shown } customers on this page
}

customer-not-found = Customer not found
customer-not-found-body = There is no customer with this address. It may have been typed wrongly.
customer-back = Back to customers
customer-details = Details
customer-job-title = Job title
customer-works-at = Works at
customer-status = Status
customer-status-active = Active
customer-status-archived = Archived
customer-status-merged = Merged into another customer
customer-registered = Registered
customer-source = Source
customer-channels = Channels
customer-no-channels = No channels recorded.
customer-primary = primary
customer-staff = People
customer-timeline = Timeline
customer-timeline-empty = Nothing has happened with this customer yet.
customer-timeline-more = Showing the latest { $shown } entries.

channel-email = Email
channel-work-phone = Work phone
channel-mobile-phone = Mobile phone
channel-telegram = Telegram
channel-whatsapp = WhatsApp
channel-skype = Skype
channel-viber = Viber
channel-social-profile = Social profile
channel-website = Website
channel-postal-address = Postal address

entry-call = Call
entry-email = Email
entry-meeting = Meeting
entry-note = Note
entry-deal-opened = Deal opened
entry-deal-stage-moved = Deal moved
entry-deal-won = Deal won
entry-deal-lost = Deal lost
entry-deal-reopened = Deal reopened
entry-task-created = Task created
entry-task-completed = Task completed
entry-calendar = Calendar entry
entry-lead-captured = Lead captured
entry-lead-converted = Lead converted
entry-order-confirmed = Order confirmed
entry-order-shipped = Order shipped
entry-order-invoiced = Invoiced
entry-order-returned = Goods returned
entry-order-cancelled = Order cancelled
entry-payment-received = Payment received
entry-sale-imported = Sale (imported)

# The customer card's forms
log-heading = Log a call, email, meeting or note
log-kind = What
log-direction = Direction
log-minutes = Duration, minutes
log-subject = Subject
log-body = Notes
log-submit = Log it
interaction-kind-call = Call
interaction-kind-email = Email
interaction-kind-meeting = Meeting
interaction-kind-note = Note
interaction-direction-outbound = Outgoing
interaction-direction-inbound = Incoming
task-heading = Create a task
task-title = Task
task-due = Due
task-priority = Priority
task-submit = Create the task
task-priority-low = Low
task-priority-normal = Normal
task-priority-high = High
task-priority-urgent = Urgent

# Form errors
form-invalid = This value is not accepted.
form-rejected = This is not allowed now ({ $rule }).
form-not-found = Something this form refers to no longer exists.
form-conflict = Someone changed this at the same time. Please try again.
form-failed = This could not be saved. Please try again.
form-whole-number = Enter a whole number, such as 15.
form-choose = Choose one of the options.
form-one-line = One line of at most 200 characters.
form-too-long = This text is too long.
form-required-line = Required: one line of at most 200 characters.
form-date = Enter a date.

# Orders
orders-title = Orders
orders-start-hint = To start an order, open a customer's card and choose "New order".
orders-recent = Recent orders
orders-none = No orders yet.
order-column-number = Order
order-column-customer = Customer
order-column-status = Status
order-column-total = Total
order-status-draft = Draft
order-status-confirmed = Confirmed
order-status-partially-shipped = Partly shipped
order-status-shipped = Shipped
order-status-closed = Closed
order-status-cancelled = Cancelled
order-new = New order
order-new-title = New order
order-new-for = New order for { $customer }
order-back-to-customer = Back to the customer
order-no-customer = Customer not found
order-no-customer-body = An order is started from a customer's card; this customer does not exist.
order-price-list = Price list
order-warehouse = Warehouse
order-reference = Customer's reference
order-lines = Lines
order-line-product = Product
order-line-quantity = Quantity
order-line-none = (none)
order-draft-submit = Draft the order and show prices
order-needs-a-line = Add at least one line with a product and a quantity.
order-title = Order
order-number = Order { $number }
order-not-found = Order not found
order-not-found-body = There is no order with this address.
order-back = Back to orders
order-currency = Currency
order-unit-price = Unit price
order-gross = Amount
order-shipped = Shipped
order-invoiced = Invoiced
order-returned = Returned
order-total = Total
order-prices-now = Prices as the price list gives them now; confirming the order fixes them.
order-actions = Next steps
order-confirm = Confirm the order
order-ship = Ship everything left
order-invoice = Invoice
order-invoice-due = Due
order-invoices = Invoices
order-invoice-number = Invoice
order-invoice-unnumbered = (numbering…)
order-outstanding = Outstanding
order-payment-amount = Payment
order-payment-method = Method
order-payment-submit = Register the payment
payment-method-bank-transfer = Bank transfer
payment-method-card = Card
payment-method-cash = Cash
order-return-quantity = Return
order-return-heading = Take goods back
order-return-reason = Reason
order-return-submit = Register the return
order-return-needs-a-line = Enter a quantity to return on at least one line.
form-positive-number = Enter a number greater than zero, such as 2 or 2.5.

# Pipeline
pipeline-choose = Pipeline
pipeline-show = Show
pipeline-none = No pipeline has been set up yet.
pipeline-deals = { $count ->
    [one] { $shown } deal
   *[other] { $shown } deals
}
pipeline-move-to = Move to
pipeline-move = Move
pipeline-close = Close as won or lost
pipeline-reason = Reason
pipeline-won = Won
pipeline-lost = Lost
pipeline-lost-needs-reason = Say why the deal was lost.
customer-status-erased = Personal data erased
customer-erased = Erased customer
personal-heading = Personal data
personal-erased-note = This customer's personal data was erased: names, contact channels, tags, custom fields and the texts of interactions and leads are gone for good. Orders, invoices and payments stay in every report.
personal-export = Download everything held about this customer (JSON)
personal-export-help = For a request to see one's data: every record about the customer, oldest first.
personal-erase-help = Erases this customer's names, contact channels, tags, custom fields and the texts of their interactions and leads, for good; their orders, invoices and payments stay in every report. It cannot be undone.
personal-erase-reason = Why
erasure-reason-request = The person asked for it
erasure-reason-retention = Kept longer than the company keeps data
erasure-reason-other = Another lawful reason
personal-erase-confirm = I understand that this cannot be undone
personal-erase-confirm-missing = Tick the box to confirm that this cannot be undone.
personal-erase-submit = Erase personal data
personal-failed = The personal data could not be handled. Please try again.
