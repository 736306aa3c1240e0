# HyperCRM web UI, Russian.

app-name = HyperCRM
skip-to-content = Перейти к содержимому
nav-label = Разделы
nav-dashboard = Сводка
nav-customers = Клиенты
nav-pipeline = Воронка
nav-catalog = Каталог и склад
nav-orders = Заказы
nav-tasks = Задачи и календарь
nav-reports = Отчёты
language-label = Язык
language-change = Сменить


dashboard-title = Сводка
dashboard-today = Сегодня, { $date }
dashboard-period = Период { $range }
dashboard-period-form = Выберите период
dashboard-from = С
dashboard-to = По
dashboard-show = Показать
dashboard-live-note = Цифры обновляются сами по мере записи событий (записано { $events }).
kpi-sales = Продажи
kpi-sales-note = Сумма подтверждённых заказов без НДС
kpi-orders = Заказы
kpi-orders-note = Подтверждено заказов
kpi-payments = Оплаты
kpi-payments-note = Получено денег
kpi-units = Отгружено единиц
kpi-units-week-note = На этой неделе, с { $date }
kpi-units-period-note = За период
kpi-overdue = Просроченные счета
kpi-overdue-note = { $count ->
    [one] { $shown } счёт просрочен
    [few] { $shown } счёта просрочено
    [many] { $shown } счетов просрочено
   *[other] { $shown } счёта просрочено
}
kpi-none = Пока ничего
chart-sales-by-day = Продажи по дням
chart-sales-caption = Сумма заказов, подтверждённых в каждый день периода, в { $currency }.
chart-no-sales = За этот период продаж нет.
chart-funnel = Воронка продаж
chart-funnel-none = За этот период сделок не открывали.
chart-funnel-opened = Открыто
chart-funnel-won = Выиграно
chart-funnel-lost = Проиграно
chart-funnel-caption = Сделки воронки «{ $pipeline }», открытые за период: сколько дошло до каждого этапа и доля от предыдущего шага.
chart-stock = Стоимость запасов: { $total }
chart-stock-none = На складах пока нет запасов.
chart-stock-other = Прочие склады
chart-stock-caption = Товары в наличии сейчас по скользящей средней себестоимости, по складам.
chart-ageing = Дебиторская задолженность по срокам
chart-ageing-none = Счетов пока нет.
chart-ageing-caption = Долг клиентов на конец сегодняшнего дня по дням просрочки: всего { $total }.
error-date = Введите дату в виде ГГГГ-ММ-ДД.
error-period-order = Начало не может быть позже конца.
error-period-long = Период может быть не длиннее 366 дней.

customers-title = Клиенты
customers-search-label = Поиск по имени, телефону, почте или метке
customers-search = Найти
customers-name = Название
customers-kind = Тип
customers-email = Почта
customers-phone = Телефон
customers-tags = Метки
customers-company = Компания
customers-person = Человек
customers-none = Клиенты не найдены.
customers-next = Следующая страница
customers-first = Первая страница
customers-showing = { $count ->
    [one] { $shown } клиент на этой странице
    [few] { $shown } клиента на этой странице
    [many] { $shown } клиентов на этой странице
   *[other] { $shown } клиента на этой странице
}

customer-not-found = Клиент не найден
customer-not-found-body = Клиента с таким адресом нет. Возможно, адрес набран с ошибкой.
customer-back = К списку клиентов
customer-details = Сведения
customer-job-title = Должность
customer-works-at = Работает в
customer-status = Состояние
customer-status-active = Активен
customer-status-archived = В архиве
customer-status-merged = Объединён с другим клиентом
customer-registered = Зарегистрирован
customer-source = Источник
customer-channels = Каналы связи
customer-no-channels = Каналы связи не указаны.
customer-primary = основной
customer-staff = Сотрудники
customer-timeline = История
customer-timeline-empty = С этим клиентом пока ничего не происходило.
customer-timeline-more = Показаны последние записи: { $shown }.

channel-email = Почта
channel-work-phone = Рабочий телефон
channel-mobile-phone = Мобильный телефон
channel-telegram = Telegram
channel-whatsapp = WhatsApp
channel-skype = Skype
channel-viber = Viber
channel-social-profile = Профиль в соцсети
channel-website = Сайт
channel-postal-address = Почтовый адрес

entry-call = Звонок
entry-email = Письмо
entry-meeting = Встреча
entry-note = Заметка
entry-deal-opened = Открыта сделка
entry-deal-stage-moved = Сделка перенесена
entry-deal-won = Сделка выиграна
entry-deal-lost = Сделка проиграна
entry-deal-reopened = Сделка открыта снова
entry-task-created = Создана задача
entry-task-completed = Задача выполнена
entry-calendar = Запись в календаре
entry-lead-captured = Получен лид
entry-lead-converted = Лид преобразован
entry-order-confirmed = Заказ подтверждён
entry-order-shipped = Заказ отгружен
entry-order-invoiced = Выставлен счёт
entry-order-returned = Возврат товара
entry-order-cancelled = Заказ отменён
entry-payment-received = Получена оплата
entry-sale-imported = Продажа (импорт)

# The customer card's forms
log-heading = Записать звонок, письмо, встречу или заметку
log-kind = Что
log-direction = Направление
log-minutes = Длительность, минут
log-subject = Тема
log-body = Заметки
log-submit = Записать
interaction-kind-call = Звонок
interaction-kind-email = Письмо
interaction-kind-meeting = Встреча
interaction-kind-note = Заметка
interaction-direction-outbound = Исходящий
interaction-direction-inbound = Входящий
task-heading = Создать задачу
task-title = Задача
task-due = Срок
task-priority = Приоритет
task-submit = Создать задачу
task-priority-low = Низкий
task-priority-normal = Обычный
task-priority-high = Высокий
task-priority-urgent = Срочный

# Form errors
form-invalid = Это значение не принимается.
form-rejected = Сейчас это недопустимо ({ $rule }).
form-not-found = То, на что ссылается форма, больше не существует.
form-conflict = Кто-то изменил это одновременно с вами. Попробуйте ещё раз.
form-failed = Не удалось сохранить. Попробуйте ещё раз.
form-whole-number = Введите целое число, например 15.
form-choose = Выберите один из вариантов.
form-one-line = Одна строка, не более 200 символов.
form-too-long = Текст слишком длинный.
form-required-line = Обязательно: одна строка, не более 200 символов.
form-date = Введите дату.

# Orders
orders-title = Заказы
orders-start-hint = Чтобы начать заказ, откройте карточку клиента и выберите «Новый заказ».
orders-recent = Последние заказы
orders-none = Заказов пока нет.
order-column-number = Заказ
order-column-customer = Клиент
order-column-status = Статус
order-column-total = Сумма
order-status-draft = Черновик
order-status-confirmed = Подтверждён
order-status-partially-shipped = Отгружен частично
order-status-shipped = Отгружен
order-status-closed = Закрыт
order-status-cancelled = Отменён
order-new = Новый заказ
order-new-title = Новый заказ
order-new-for = Новый заказ для { $customer }
order-back-to-customer = Назад к клиенту
order-no-customer = Клиент не найден
order-no-customer-body = Заказ начинается с карточки клиента; такого клиента нет.
order-price-list = Прайс-лист
order-warehouse = Склад
order-reference = Номер заказа клиента
order-lines = Строки
order-line-product = Товар
order-line-quantity = Количество
order-line-none = (нет)
order-draft-submit = Создать черновик и показать цены
order-needs-a-line = Добавьте хотя бы одну строку с товаром и количеством.
order-title = Заказ
order-number = Заказ { $number }
order-not-found = Заказ не найден
order-not-found-body = Заказа с таким адресом нет.
order-back = Назад к заказам
order-currency = Валюта
order-unit-price = Цена
order-gross = Сумма
order-shipped = Отгружено
order-invoiced = Выставлено
order-returned = Возвращено
order-total = Итого
order-prices-now = Цены по прайс-листу на сейчас; подтверждение заказа их зафиксирует.
order-actions = Следующие шаги
order-confirm = Подтвердить заказ
order-ship = Отгрузить
order-invoice = Выставить счёт
order-invoice-due = Срок оплаты
order-invoices = Счета
order-invoice-number = Счёт
order-invoice-unnumbered = (нумеруется…)
order-outstanding = К оплате
order-payment-amount = Оплата
order-payment-method = Способ
order-payment-submit = Зарегистрировать оплату
payment-method-bank-transfer = Банковский перевод
payment-method-card = Карта
payment-method-cash = Наличные
order-return-quantity = Вернуть
order-return-heading = Принять возврат
order-return-reason = Причина
order-return-submit = Оформить возврат
order-return-needs-a-line = Укажите количество к возврату хотя бы в одной строке.
form-positive-number = Введите число больше нуля, например 2 или 2,5.

# Pipeline
pipeline-choose = Воронка
pipeline-show = Показать
pipeline-none = Воронка продаж ещё не настроена.
pipeline-deals = { $count ->
    [one] { $shown } сделка
    [few] { $shown } сделки
    [many] { $shown } сделок
   *[other] { $shown } сделки
}
pipeline-move-to = Перенести в
pipeline-move = Перенести
pipeline-close = Закрыть: выиграна или проиграна
pipeline-reason = Причина
pipeline-won = Выиграна
pipeline-lost = Проиграна
pipeline-lost-needs-reason = Укажите, почему сделка проиграна.
customer-status-erased = Персональные данные удалены
customer-erased = Клиент удалён
personal-heading = Персональные данные
personal-erased-note = Персональные данные этого клиента удалены: имена, каналы связи, теги, дополнительные поля и тексты взаимодействий и лидов исчезли навсегда. Заказы, счета и платежи остаются во всех отчётах.
personal-export = Скачать всё, что хранится об этом клиенте (JSON)
personal-export-help = Для запроса на доступ к своим данным: все записи о клиенте, от старых к новым.
personal-erase-help = Навсегда удаляет имена клиента, каналы связи, теги, дополнительные поля и тексты его взаимодействий и лидов; заказы, счета и платежи остаются во всех отчётах. Отменить это нельзя.
personal-erase-reason = Причина
erasure-reason-request = Человек попросил об этом
erasure-reason-retention = Хранится дольше, чем компания хранит данные
erasure-reason-other = Иное законное основание
personal-erase-confirm = Я понимаю, что это нельзя отменить
personal-erase-confirm-missing = Отметьте галочку, чтобы подтвердить, что это нельзя отменить.
personal-erase-submit = Удалить персональные данные
personal-failed = Не удалось обработать персональные данные. Попробуйте ещё раз.

# New customer
customer-new = Новый клиент
customer-new-title = Новый клиент
customer-new-person-of = Сотрудник компании { $company }
customer-new-company-name = Название компании
customer-new-legal-name = Юридическое название (необязательно)
customer-new-first-name = Имя
customer-new-last-name = Фамилия (необязательно)
customer-new-tags = Теги через запятую
customer-new-submit = Зарегистрировать клиента
customer-add-person = Добавить сотрудника этой компании
form-email = Введите адрес электронной почты, например name@example.com.
form-phone = Введите номер телефона с кодом страны, например +7 495 123-45-67.
form-tags = Теги — короткие слова через запятую, не больше 20.
edit-customer = Изменить данные, источник и теги
edit-rename = Сохранить название
edit-save = Сохранить
edit-add-tag = Новый тег
edit-tag = Добавить тег
edit-untag = Удалить тег { $tag }
edit-archive-reason = Причина архивации (необязательно)
edit-archive = В архив
edit-restore = Вернуть из архива
edit-channel = Изменить
edit-channel-value = Значение
edit-channel-label = Метка (необязательно)
edit-channel-kind = Вид
edit-make-primary = Сделать основным
edit-remove = Удалить
edit-add-channel = Добавить канал связи
nav-menu = Меню
search-title = Поиск
search-label = Поиск клиентов, товаров и заказов
search-placeholder = Поиск (нажмите /)
search-hint = Введите имя клиента, email, телефон или тег, артикул, название или штрихкод товара либо номер заказа.
search-none = Ничего не найдено.
search-all-customers = Все найденные клиенты
search-all-products = Все найденные товары
log-outcome = Итог звонка
log-recording = Ссылка на запись (звонки)
log-location = Место (встречи)
log-occurred-on = Когда, если раньше: день
log-occurred-time = Время (UTC)
call-outcome-connected = Состоялся
call-outcome-no-answer = Нет ответа
call-outcome-busy = Занято
call-outcome-left-voicemail = Оставлено голосовое сообщение
call-outcome-wrong-number = Неверный номер
form-date-time = Укажите день (и, если нужно, время), не в будущем.
interaction-title = Взаимодействие
interaction-withdrawn = Это взаимодействие отозвано: его больше нет в хронологии.
interaction-amend = Исправить
interaction-amend-submit = Сохранить изменения
interaction-withdraw = Отозвать
interaction-withdraw-help = Отозванное взаимодействие исчезает из хронологии клиента; журнал аудита его сохраняет.
interaction-withdraw-reason = Причина
interaction-withdraw-submit = Отозвать
reminder-label = Напоминание:
dashboard-reminders = Напоминания
dashboard-reminder-due = срок { $due }
leads-title = Лиды
leads-none = Открытых лидов нет.
lead-title = Лид
lead-title-field = Что хотят
lead-contact = Контакт
lead-company = Компания
lead-captured = Получен
lead-owner = Ответственный
lead-disqualified-reason = Отклонён, потому что
lead-status-open = Открыт
lead-status-disqualified = Отклонён
lead-status-converted = Преобразован в сделку
lead-see-pipeline = Открыть воронку
lead-capture = Новый лид
lead-capture-submit = Сохранить лид
lead-convert = Преобразовать в сделку
lead-pipeline = Воронка
lead-amount = Сумма
lead-expected-close = Ожидаемое закрытие (необязательно)
lead-convert-help = Лид без клиента регистрирует свою компанию (или контакт) как нового клиента, с его email и телефоном.
lead-convert-submit = Преобразовать
lead-disqualify = Отклонить
lead-disqualify-submit = Отклонить лид
lead-assign = Назначить
lead-assign-submit = Назначить ответственного
lead-reopen = Вернуть лид в работу
pipeline-leads = Лиды
form-amount = Введите сумму, например 1500.00.
form-currency = Введите трёхбуквенный код валюты, например RUB.
deal-open = Открыть сделку
deal-title = Сделка
deal-open-submit = Открыть сделку
order-draft-lines = Изменить строки
order-change-quantity = Изменить количество
order-cancel = Отменить заказ
edit-field-key = Дополнительное поле (имя, например contract_no)
edit-field-value = Его значение
edit-field = Задать поле
edit-clear-field = Очистить поле { $key }
custom-yes = Да
custom-no = Нет
form-branch = Выберите филиал или «Без филиала».
form-field-key = Имя поля начинается со строчной латинской буквы: буквы, цифры и подчёркивания.

## Branch names

branch-unnamed = Филиал { $id }
branch-none = Без филиала

## The deal page

deal-edit = Изменить сделку
deal-title-label = Название
deal-amount = Сумма
deal-currency = Валюта
deal-probability = Вероятность, %
deal-probability-invalid = Введите целое число процентов от 0 до 100.
deal-expected-close = Ожидаемое закрытие
deal-owner = Ответственный
deal-close-reason = Причина
deal-save = Сохранить сделку
deal-status-open = Открыта
deal-status-won = Выиграна
deal-status-lost = Проиграна
deal-open-page = Открыть страницу сделки
deal-closed-note = Сделка закрыта: чтобы изменить её, откройте её снова.
deal-reopen = Открыть сделку снова
deal-reopen-stage = На этапе

## The pipelines page

pipelines-title = Воронки и этапы
pipelines-link = Воронки и этапы
pipelines-read-only = Воронки общие для всех; изменяют их администраторы и директора.
pipelines-stage = Этап
pipelines-probability = Вероятность, %
pipelines-up = Выше
pipelines-down = Ниже
pipelines-retire = Убрать
pipelines-retired = Убранные этапы
pipelines-add-stage = Добавить этап
pipelines-rename = Переименовать воронку
pipelines-name = Название
pipelines-new = Создать воронку
pipelines-stages = Этапы, по одному в строке: название, вероятность
pipelines-stages-example = Квалификация, 10
pipelines-define = Создать воронку
pipelines-stages-invalid = Пишите каждый этап в отдельной строке: название, запятая и вероятность от 0 до 100 (не более 20 этапов).
pipelines-name-invalid = Воронка не переименована: название не может быть пустым.
pipelines-stage-invalid = Этапу нужны название и целая вероятность от 0 до 100.
pipelines-duplicate-stage = В этой воронке уже есть этап с таким названием.
pipelines-last-stage = В воронке должен остаться хотя бы один этап: сначала добавьте другой.
pipelines-too-many-stages = В этой воронке уже столько этапов, сколько она может вместить.

## Duplicates and merging

duplicates-title = Возможные дубликаты
duplicates-link = Возможные дубликаты
duplicates-intro = Активные клиенты с общим телефоном или email или с одинаковым названием без учёта регистра, знаков и организационно-правовой формы (ООО, АО, Ltd…). Откройте объединение, чтобы сравнить их.
duplicates-none = Возможных дубликатов нет.
duplicates-same-email = Общий email { $value }
duplicates-same-phone = Общий телефон { $value }
duplicates-same-name = Одинаковое название
duplicates-merge-into = Объединить { $duplicate } с { $survivor }
merge-title = Объединение
merge-kind-person = человек
merge-kind-company = компания
merge-channels = Контакты
merge-tags = Теги
merge-source = Источник
merge-registered = Зарегистрирован
merge-timeline = Записей в истории
merge-deals = Сделки
merge-duplicate = Будет объединён
merge-survivor = Останется
merge-keeps = Остающийся клиент сохраняет своё название, ответственного, филиал, источник и свои поля; история, сделки, заказы и счёт объединённого клиента отныне показываются у него, а ссылка на объединённого ведёт к нему.
merge-also-keep = Также передать остающемуся
merge-tag = тег
merge-after = Объединение нельзя отменить со страницы.
merge-submit = Объединить
order-ship-quantities = Сколько отгрузить сейчас
order-ship-needs-a-line = Укажите количество к отгрузке хотя бы для одной строки.
order-invoice-what = Выставить счёт
order-invoice-everything = На всё, что ещё не выставлено
order-invoice-shipment = Отгрузка

## The customer's account

customer-account-title = Расчёты
account-of = Расчёты с { $customer }
account-link = Расчёты: счета, оплаты, кредит
account-empty = Пока нет счетов, оплат и кредита.
account-receivable = Долг
account-credit = Кредит
account-balance = Сальдо
account-open-invoices = Неоплаченные счета
account-no-open-invoices = Неоплаченных счетов нет.
account-paid = Оплачено
account-overdue = просрочен
account-apply-credit = Оплатить из кредита
account-more-invoices = Показаны 200 самых старых неоплаченных счетов.
account-payment = Принять оплату
account-method = Способ
account-pays = Оплачивает
account-oldest-first = Сначала самые старые счета (остаток станет кредитом)
account-payment-submit = Записать оплату
account-credit-note = Выставить кредит-ноту
account-credit-note-help = Компенсация или корректировка цены без привязки к заказу: становится кредитом клиента и оплачивает его следующий счёт в этой валюте.
account-net = Сумма без НДС
account-vat = Сумма НДС (пусто: нет)
account-credit-note-submit = Выставить кредит-ноту
