# Messages of the tasks pages.
tasks-title = Tasks
tasks-week-link = Calendar: week view
tasks-filters = Which tasks
tasks-show-open = All open ({ $count })
tasks-show-overdue = Overdue ({ $count })
tasks-show-today = Due today ({ $count })
tasks-show-upcoming = Upcoming ({ $count })
tasks-show-completed = Completed ({ $count })
tasks-none-open = No open tasks.
tasks-none-overdue = Nothing is overdue.
tasks-none-today = Nothing is due today.
tasks-none-upcoming = Nothing is coming up.
tasks-none-completed = No completed tasks.
tasks-column-title = Task
tasks-column-due = Due
tasks-column-about = About
tasks-column-action = Action
tasks-no-due = No due date
tasks-overdue-mark = overdue
tasks-about-customer = A customer
tasks-about-deal = A deal
tasks-complete = Complete
tasks-reopen = Reopen
tasks-pages = Pages of tasks
tasks-next = Next page
tasks-first = First page
owner-label = Whose
owner-show = Show
owner-me = Me
owner-user = User { $id }
owner-group = Group { $id }
owner-group-named = Group: { $name }

# The calendar's week view
calendar-title = Calendar
calendar-tasks-link = Tasks list
calendar-week-of = Week of
calendar-week = Week { $range }
calendar-weeks = Weeks
calendar-previous = Previous week
calendar-this-week = This week
calendar-next = Next week
calendar-today = today
calendar-nothing = Nothing planned.
calendar-day-1 = Monday, { $date }
calendar-day-2 = Tuesday, { $date }
calendar-day-3 = Wednesday, { $date }
calendar-day-4 = Thursday, { $date }
calendar-day-5 = Friday, { $date }
calendar-day-6 = Saturday, { $date }
calendar-day-7 = Sunday, { $date }
task-page-title = Task
task-new = New task
task-assignee = For
task-reminder = Reminder
task-time = Time (UTC)
task-description = Notes
task-status-open = Open
task-status-completed = Completed
task-status-cancelled = Cancelled
task-reschedule = Due time and reminder
task-reschedule-submit = Save the times
task-reassign = Whom it is for
task-reassign-submit = Reassign
task-edit = Change the title or notes
task-cancel = Cancel the task
form-date-time-any = Enter a day, and a time if you like.

## Calendar entries

calendar-views = Views
calendar-view-day = Day
calendar-view-week = Week
calendar-view-month = Month
calendar-day-heading = { $range }
calendar-month-heading = Month: { $range }
calendar-more = { $count } more
entry-new = Plan an entry
entry-new-submit = Plan it
entry-title = Calendar entry
entry-title-label = Title
entry-location = Place (optional)
entry-day = Day
entry-start = From
entry-end = To
entry-attendees = Attendees
entry-reminder = Reminder
entry-reminder-save = Set the reminder
entry-remind-none = No reminder
entry-remind-minutes = { $count ->
    [one] { $shown } minute before
   *[other] { $shown } minutes before
}
entry-remind-hours = { $count ->
    [one] { $shown } hour before
   *[other] { $shown } hours before
}
entry-remind-days = { $count ->
    [one] { $shown } day before
   *[other] { $shown } days before
}
entry-attendees-required = Choose at least one attendee.
entry-time-invalid = Enter a time such as 09:30.
entry-scheduled = Planned
entry-completed = Held
entry-cancelled = Cancelled
entry-reschedule = Reschedule
entry-change = Change the title, place or attendees
entry-complete = Mark as held
entry-reopen = Reopen
entry-cancel = Cancel the entry
entry-cancel-reason = Why (optional)
calendar-earlier = Earlier
calendar-later = Later
calendar-this-period = Today
