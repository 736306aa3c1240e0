# Messages of the catalog pages: the product list, a product's page with
# its prices, stock and movements, the stock forms and the stock overview.

## The product list

catalog-title = Каталог
catalog-search-label = Поиск по артикулу, названию или штрихкоду
catalog-search = Найти
catalog-category = Категория
catalog-category-all = Все категории
catalog-sku = Артикул
catalog-name = Название
catalog-unit = Ед. изм.
catalog-vat = НДС
catalog-discontinued = снят с продажи
catalog-none = Ни один товар не найден.
catalog-showing = { $count ->
    [one] { $shown } товар на этой странице
    [few] { $shown } товара на этой странице
    [many] { $shown } товаров на этой странице
   *[other] { $shown } товара на этой странице
}
catalog-pages = Страницы списка
catalog-next = Следующая страница
catalog-first = Первая страница
catalog-stock-link = Обзор остатков и нехватка товара

## A product's page

product-title = Товар
product-not-found = Товар не найден
product-not-found-body = По этому адресу нет товара. Возможно, в адресе опечатка.
product-back = Назад в каталог
product-barcode = Штрихкод
product-kind = Вид
product-kind-stock-tracked = Товар на складе
product-kind-service = Услуга
product-negative-stock = Остаток может уходить в минус
product-yes = Да
product-no = Нет
product-prices = Цены
product-no-prices = Ни в одном прайс-листе нет цены на этот товар.
product-price-list = Прайс-лист
product-scope = Для кого
product-scope-everyone = Для всех
product-scope-segment = Сегмент «{ $segment }»
product-scope-party = Клиент { $customer }
product-from-quantity = От количества
product-unit-price = Цена за единицу
product-vat-column = НДС
product-vat-included = включён
product-vat-excluded = сверху
product-discounts = Постоянные скидки
product-discount = Скидка
product-applies-to = На что
product-discount-this-product = На этот товар
product-discount-all-products = На все товары прайс-листа
product-stock = Остатки по складам
product-no-stock = Движений этого товара пока не было.
product-service-no-stock = У услуги нет остатков.
product-movements = Движения
product-no-movements = Движений пока нет.

## Stock figures

stock-warehouse = Склад
stock-on-hand = В наличии
stock-reserved = В резерве
stock-available = Доступно
stock-in-transit = В пути
stock-average-cost = Средняя себестоимость
stock-reorder-level = Точка заказа
stock-total = Все склады
stock-quantity = Количество

## Movements

movement-when = Дата
movement-kind = Движение
movement-change = Изменение
movement-balance = Остаток на складе
movement-unit-cost = Цена за единицу
movement-detail = Основание
movement-received = Поступление
movement-issued = Отгрузка
movement-transferred-out = Перемещение со склада
movement-transferred-in = Перемещение на склад
movement-counted = Инвентаризация
movement-returned = Возврат
movement-consumed = Списано в производство
movement-production = Производственный заказ { $number }
movement-to = на { $warehouse }
movement-from = с { $warehouse }
movements-older = Более ранние движения
movements-newest = Последние движения

## The stock forms

stock-actions = Поступление, списание, перемещение, инвентаризация
stock-choose-warehouse = Выберите склад
stock-no-warehouses = Ни один склад ещё не открыт, поэтому принять товар некуда.
stock-insufficient = На складе нет столько этого товара.
stock-cost-number = Введите ноль или положительную сумму, например 2,50.
receipt-heading = Поступление товара
receipt-unit-cost = Цена за единицу
receipt-reference = Основание (необязательно)
receipt-submit = Принять
transfer-heading = Перемещение между складами
transfer-from = Со склада
transfer-to = На склад
transfer-submit = Переместить
transfer-same-warehouse = Выберите другой склад, не тот, с которого товар уходит.
count-heading = Инвентаризация
count-counted = Фактическое количество
count-submit = Записать результат
count-not-negative = Введите ноль или число больше нуля.
stock-business-day = Дата операции (пусто: сейчас)
stock-business-time = Время (необязательно)
writeoff-heading = Списание
writeoff-submit = Списать
writeoff-reason = Причина
writeoff-reason-required = Укажите, почему товар списывается.
writeoff-reason-damaged = Повреждён
writeoff-reason-expired = Истёк срок годности
writeoff-reason-lost = Утерян
writeoff-reason-internal = Для собственных нужд
reorder-heading = Точка заказа
reorder-level = Заказывать при остатке ниже (пусто: не задана)
reorder-submit = Установить
movement-saved = Сохранено: { $kind } { $change }, склад «{ $warehouse }», { $when }.
movement-balances = { $count ->
    [0] Остаток после операции: { $after }.
   *[other] Остаток после операции: { $after }. Пересчитано последующих движений: { $later }; остаток сейчас: { $now }.
}

## The stock overview

stock-title = Обзор остатков
stock-show = Показать
stock-closed = (закрыт)
stock-in-warehouse = Остатки на этом складе
stock-none = На этом складе ничего не найдено.
stock-is-low = мало
stock-low = Нехватка на всех складах
stock-low-none = Нет остатков ниже точки заказа.
stock-shortfall = Не хватает
product-new = Новый товар
product-new-title = Новый товар
product-edit = Изменить товар
product-edit-title = Изменение товара
product-sku = Артикул
product-unit = Единица
product-name = Название
product-category = Категория (необязательно)
product-barcode-optional = Штрихкод (необязательно)
product-vat = НДС, %
product-discontinued = Снят с продажи
product-new-submit = Добавить товар
form-sku = Артикул — буквы, цифры, точки, дефисы или подчёркивания, без пробелов.
form-sku-taken = Этот артикул уже у другого товара.
form-unit = Укажите единицу, например шт, кг или м.
form-vat = Укажите ставку НДС от 0 до 100, например 20.

## Warehouses

warehouses-title = Склады
warehouses-link = Склады
warehouses-none = Ни один склад ещё не открыт.
warehouses-name = Название
warehouses-negative = Может уходить в минус
warehouses-negative-help = Остаток на этом складе может уходить в минус (товар отгружен раньше, чем оформлено поступление)
warehouses-allow-negative = Разрешить минус
warehouses-forbid-negative = Запретить минус
warehouses-rename = Переименовать
warehouses-close = Закрыть
warehouses-new = Открыть склад
warehouses-open-submit = Открыть склад
warehouses-name-blank = Склад не переименован: название не может быть пустым.

## Price lists

price-lists-title = Прайс-листы
price-lists-link = Прайс-листы
price-lists-none = Прайс-листов пока нет.
price-list-title = Прайс-лист
price-list-name = Название
price-list-currency = Валюта
price-list-vat = НДС
price-list-vat-help = Цены включают НДС (розница)
price-list-prices = Цены
price-list-discounts = Постоянные скидки
price-list-new = Создать прайс-лист
price-list-define = Создать прайс-лист
price-list-rename = Переименовать прайс-лист
price-quote = Сколько платит клиент
price-quote-submit = Показать цену
price-customer = Клиент
price-customer-optional = Клиент (пусто: любой)
price-product = Товар
price-sku = Артикул
price-sku-optional = Артикул (пусто: все товары)
price-list-price = Цена по прайсу
price-source = { $scope }, от { $from }
price-unit-price = Цена за единицу
price-total = За количество
price-scope = Для кого
price-scope-tag = Клиенты с тегом
price-scope-customer = Один клиент
price-tag = Тег
price-set = Установить цену
price-set-discount = Установить скидку
price-discount-kind = Скидка в
price-remove = Удалить
price-more = Показаны первые 200 цен: воспользуйтесь поиском.
price-none-listed = В этом прайс-листе пока нет цен.
price-no-discounts = В этом прайс-листе нет постоянных скидок.
price-sku-unknown = Товара с таким артикулом нет.
price-tag-required = Укажите тег.
price-customer-required = Укажите имя клиента.
price-customer-none = Ни один ваш клиент не подходит.
price-customer-several = Подходят несколько клиентов: уточните имя.
price-discount-invalid = Введите процент от 0 до 100 или сумму не меньше нуля.
price-discontinued = Товар снят с продажи, у него нет цены.
price-none = В этом прайс-листе нет цены на этот товар.
