# Закупки: поставщики, заказы поставщикам, поступления, курсы валют.

nav-purchasing = Закупки
purchases-title = Заказы поставщикам
purchase-new = Новый заказ поставщику
purchases-open-worth = { $count ->
    [one] { $shown } открытый заказ ещё ждёт товара на { $amount }
    [few] { $shown } открытых заказа ещё ждут товара на { $amount }
   *[other] { $shown } открытых заказов ещё ждут товара на { $amount }
}
purchases-late = { $count ->
    [one] { $shown } заказ опаздывает
    [few] { $shown } заказа опаздывают
   *[other] { $shown } заказов опаздывают
}
purchases-search = Номер
purchases-none = Здесь нет заказов поставщикам.
purchase-column-number = Заказ поставщику
purchase-supplier = Поставщик
purchase-expected = Ожидается
purchase-status-draft = Черновик
purchase-status-sent = Отправлен
purchase-status-partially-received = Получен частично
purchase-status-received = Получен
purchase-status-invoiced = Выставлен счёт
purchase-status-paid = Оплачен
purchase-status-cancelled = Отменён
purchase-not-found = Такого заказа поставщику нет
purchase-not-found-body = Этого заказа поставщику нет, или он вам недоступен.
purchase-back = К заказам поставщикам
purchase-currency-unset = Валюта компании ещё не задана: пока администратор её не задаст, закупать нельзя.
purchase-new-title = Новый заказ поставщику
purchase-reference = Номер у поставщика
purchase-unit-price = Цена за единицу
purchase-draft-submit = Создать черновик заказа
purchase-title = Заказ поставщику
purchase-number = Заказ поставщику { $number }
purchase-amount = Сумма
purchase-received = Получено
purchase-receive-quantity = Пришло сейчас
purchase-receive-heading = Принять поставку
purchase-landed-note = Доставка, пошлина и другие расходы на ввоз в { $currency }: они распределяются по строкам и увеличивают себестоимость товара.
purchase-cost-label = Расход
purchase-cost-example = Доставка
purchase-cost-amount = Сумма
purchase-spread = Распределить расходы
purchase-spread-value = по стоимости
purchase-spread-quantity = по количеству
purchase-received-on = Дата поступления
purchase-receive-submit = Оприходовать на склад
purchase-add-line = Добавить строку
purchase-send = Отправить поставщику
purchase-receipts = Поставки
purchase-rate = Курс
purchase-landed = Расходы на ввоз
purchase-receipt-lines = Товары по себестоимости единицы
purchase-cancel-reason = Причина отмены
purchase-cancel = Отменить заказ поставщику
purchase-receive-needs-a-line = Укажите, сколько пришло хотя бы по одной строке.
purchase-cost-invalid = У каждого расхода должны быть название и сумма, например 120.00.

rates-title = Валюты и курсы
rates-company-currency = Валюта компании
rates-company-currency-note = в ней себестоимость, маржа и все отчёты.
rates-set-once = Задать (один раз)
rates-daily = Курсы валют по дням
rates-show = Показать
rates-none = Курсов этой валюты пока нет.
rates-day = День
rates-rate-in = Курс в { $currency }
rates-rate = Курс (валюта компании за единицу)
rates-enter = Записать курс
rates-import = Вставьте курсы в CSV: валюта, день, курс
rates-import-submit = Загрузить курсы
rates-imported = Записано курсов: { $set }; уже известных: { $unchanged }.
rates-problem = Строка { $line }: { $problem }
rates-nothing-imported = Ничего не загружено: исправьте эти строки и загрузите снова.
rates-rate-invalid = Введите курс больше нуля, например 0.9137.

party-roles = Роли
party-role-customer = Клиент
party-role-supplier = Поставщик
party-roles-one = Контрагент — клиент, поставщик или то и другое.

offers-title = Поставщики и цены
offers-for = Где закупается { $product }
offers-back = К товару
offers-no-product = Такого товара нет
offers-no-product-body = Этого товара не существует.
offers-none = Этот товар пока не предлагает ни один поставщик.
offers-code = Код поставщика
offers-minimum = Минимум
offers-pack = Упаковка по
offers-lead = Срок поставки
offers-lead-days = { $days } дн.
offers-preferred = основной
offers-chosen = заказываем у него
offers-prefer = Сделать основным
offers-withdraw = Убрать
offers-set = Предложение поставщика
offers-save = Сохранить предложение
offers-lead-invalid = Введите целое число дней от 0 до 365.

replenishment-title = Что заказать
replenishment-rule = Строка предлагается, когда доступный остаток и заказанное опустятся ниже точки заказа раньше, чем придёт новый товар (по продажам за последние 28 дней); количество рассчитано ещё на две недели, кратно упаковке поставщика.
replenishment-none = Сейчас ничего заказывать не нужно.
replenishment-pick = Заказать эту строку
replenishment-available = Доступно
replenishment-on-order = Заказано
replenishment-level = Точка заказа
replenishment-rate = В день
replenishment-quantity = Заказать
replenishment-no-supplier = Нет поставщика: добавьте предложение
replenishment-draft = Создать заказы поставщикам по отмеченным строкам
replenishment-more = Ещё строк не показано: { $count }.
replenishment-pick-one = Отметьте хотя бы одну строку.
replenishment-bad-quantity = Для каждой отмеченной строки нужно количество больше нуля.

purchase-bills = Счета поставщика
purchase-bill-number = Номер счёта
purchase-bill-due = Срок оплаты
purchase-bill-outstanding = Остаток
purchase-bill-record = Записать счёт поставщика
purchase-bill-issued = Дата счёта
purchase-bill-submit = Записать счёт
purchase-pay = Оплатить
purchase-pay-amount = Сумма к оплате

kpi-purchasing = Открытые заказы поставщикам
kpi-purchasing-note = { $count ->
    [one] { $shown } заказ ещё в пути, опаздывает: { $late }
    [few] { $shown } заказа ещё в пути, опаздывает: { $late }
   *[other] { $shown } заказов ещё в пути, опаздывает: { $late }
}

payables-title = Долги поставщикам
payables-link = Долги поставщикам
payables-as-of = Долг на конец дня
payables-from = Курсовые разницы с
payables-to = по
payables-span = Выберите период не длиннее года, начало раньше конца.
payables-ageing = Неоплаченные счета поставщиков по срокам
payables-none = На конец этого дня поставщикам ничего не должны.
payables-not-due = Срок не наступил
payables-1-30 = 1–30 дней
payables-31-60 = 31–60 дней
payables-61-90 = 61–90 дней
payables-over-90 = Более 90 дней
payables-differences = Реализованные курсовые разницы
payables-differences-note = Каждая часть платежа поставщику в другой валюте, оценённая по курсу дня счёта и дня платежа: доход, если платёж обошёлся дешевле в валюте компании, убыток (отрицательный), если дороже.
payables-differences-none = За этот период курсовых разниц не было.
payables-invoice = Счёт
payables-paid = Оплаченная часть
payables-gain = Доход или убыток
payables-advances = Авансы поставщикам
payables-advances-note = Оплачено поставщику сверх его счетов на конец этого дня: следующий его счёт в той же валюте сначала оплачивается из аванса.
payables-advance = Аванс
