# Сообщения страниц задач.
tasks-title = Задачи
tasks-week-link = Календарь: неделя
tasks-filters = Какие задачи
tasks-show-open = Все открытые ({ $count })
tasks-show-overdue = Просроченные ({ $count })
tasks-show-today = На сегодня ({ $count })
tasks-show-upcoming = Предстоящие ({ $count })
tasks-show-completed = Выполненные ({ $count })
tasks-none-open = Открытых задач нет.
tasks-none-overdue = Просроченных задач нет.
tasks-none-today = На сегодня задач нет.
tasks-none-upcoming = Предстоящих задач нет.
tasks-none-completed = Выполненных задач нет.
tasks-column-title = Задача
tasks-column-due = Срок
tasks-column-about = О ком
tasks-column-action = Действие
tasks-no-due = Без срока
tasks-overdue-mark = просрочена
tasks-about-customer = Клиент
tasks-about-deal = Сделка
tasks-complete = Выполнить
tasks-reopen = Вернуть в работу
tasks-pages = Страницы задач
tasks-next = Следующая страница
tasks-first = Первая страница
owner-label = Чьи
owner-show = Показать
owner-me = Я
owner-user = Пользователь { $id }
owner-group = Группа { $id }
owner-group-named = Группа: { $name }

# Календарь: неделя
calendar-title = Календарь
calendar-tasks-link = Список задач
calendar-week-of = Неделя с датой
calendar-week = Неделя { $range }
calendar-weeks = Недели
calendar-previous = Предыдущая неделя
calendar-this-week = Эта неделя
calendar-next = Следующая неделя
calendar-today = сегодня
calendar-nothing = Ничего не запланировано.
calendar-day-1 = Понедельник, { $date }
calendar-day-2 = Вторник, { $date }
calendar-day-3 = Среда, { $date }
calendar-day-4 = Четверг, { $date }
calendar-day-5 = Пятница, { $date }
calendar-day-6 = Суббота, { $date }
calendar-day-7 = Воскресенье, { $date }
task-page-title = Задача
task-new = Новая задача
task-assignee = Для кого
task-reminder = Напоминание
task-time = Время (UTC)
task-description = Заметки
task-status-open = Открыта
task-status-completed = Выполнена
task-status-cancelled = Отменена
task-reschedule = Срок и напоминание
task-reschedule-submit = Сохранить время
task-reassign = Для кого задача
task-reassign-submit = Переназначить
task-edit = Изменить название или заметки
task-cancel = Отменить задачу
form-date-time-any = Укажите день и, если нужно, время.

## Calendar entries

calendar-views = Вид
calendar-view-day = День
calendar-view-week = Неделя
calendar-view-month = Месяц
calendar-day-heading = { $range }
calendar-month-heading = Месяц: { $range }
calendar-more = ещё { $count }
entry-new = Запланировать
entry-new-submit = Запланировать
entry-title = Событие календаря
entry-title-label = Название
entry-location = Место (необязательно)
entry-day = День
entry-start = С
entry-end = До
entry-attendees = Участники
entry-reminder = Напоминание
entry-reminder-save = Установить напоминание
entry-remind-none = Без напоминания
entry-remind-minutes = { $count ->
    [one] за { $shown } минуту
    [few] за { $shown } минуты
   *[other] за { $shown } минут
}
entry-remind-hours = { $count ->
    [one] за { $shown } час
    [few] за { $shown } часа
   *[other] за { $shown } часов
}
entry-remind-days = { $count ->
    [one] за { $shown } день
    [few] за { $shown } дня
   *[other] за { $shown } дней
}
entry-attendees-required = Выберите хотя бы одного участника.
entry-time-invalid = Введите время, например 09:30.
entry-scheduled = Запланировано
entry-completed = Состоялось
entry-cancelled = Отменено
entry-reschedule = Перенести
entry-change = Изменить название, место или участников
entry-complete = Отметить как состоявшееся
entry-reopen = Вернуть в план
entry-cancel = Отменить событие
entry-cancel-reason = Причина (необязательно)
calendar-earlier = Раньше
calendar-later = Позже
calendar-this-period = Сегодня
