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

coming-title = Coming soon
coming-body = This module is not built yet. It arrives with a later part of this release; nothing here is a placeholder for real data.
coming-pipeline = Deals as a board by stage, moving a deal between stages, won and lost with a reason.
coming-catalog = Products with price lists, stock per warehouse, movements, receipts, transfers and inventory counts.
coming-orders = Orders for a customer with price resolution shown, confirmation, shipment, invoice, payment and returns.
coming-tasks = My tasks, overdue tasks and a week view of the calendar.
coming-reports = A period picker, grouping, "as of" and "as known at" dates, and export to CSV.

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
