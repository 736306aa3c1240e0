# Messages of the catalog pages: the product list, a product's page with
# its prices, stock and movements, the stock forms and the stock overview.

## The product list

catalog-title = الكتالوج
catalog-search-label = البحث برمز المنتج أو الاسم أو الباركود
catalog-search = بحث
catalog-category = الفئة
catalog-category-all = كل الفئات
catalog-sku = رمز المنتج
catalog-name = الاسم
catalog-unit = الوحدة
catalog-vat = ضريبة القيمة المضافة
catalog-discontinued = متوقف
catalog-none = لا يوجد منتج مطابق.
catalog-showing = { $count ->
    [zero] لا توجد منتجات في هذه الصفحة
    [one] منتج واحد في هذه الصفحة
    [two] منتجان في هذه الصفحة
    [few] { $shown } منتجات في هذه الصفحة
   *[other] { $shown } منتجًا في هذه الصفحة
}
catalog-pages = صفحات القائمة
catalog-next = الصفحة التالية
catalog-first = الصفحة الأولى
catalog-stock-link = نظرة عامة على المخزون والنقص

## A product's page

product-title = منتج
product-not-found = المنتج غير موجود
product-not-found-body = لا يوجد منتج في هذا العنوان. ربما كُتب بشكل خاطئ.
product-back = العودة إلى الكتالوج
product-barcode = الباركود
product-kind = النوع
product-kind-stock-tracked = بضاعة في المخزون
product-kind-service = خدمة
product-negative-stock = يمكن أن يصبح المخزون سالبًا
product-yes = نعم
product-no = لا
product-prices = الأسعار
product-no-prices = لا توجد قائمة أسعار فيها سعر لهذا المنتج.
product-price-list = قائمة الأسعار
product-scope = لمن
product-scope-everyone = للجميع
product-scope-segment = الشريحة «{ $segment }»
product-scope-party = العميل { $customer }
product-from-quantity = ابتداءً من الكمية
product-unit-price = سعر الوحدة
product-vat-column = الضريبة
product-vat-included = مشمولة
product-vat-excluded = تُضاف
product-discounts = الخصومات الدائمة
product-discount = الخصم
product-applies-to = ينطبق على
product-discount-this-product = هذا المنتج
product-discount-all-products = كل منتجات القائمة
product-stock = المخزون في كل مستودع
product-no-stock = لم تحدث أي حركة لمخزون هذا المنتج بعد.
product-service-no-stock = الخدمة ليس لها مخزون.
product-movements = الحركات
product-no-movements = لا توجد حركات بعد.

## Stock figures

stock-warehouse = المستودع
stock-on-hand = المتوفر
stock-reserved = المحجوز
stock-available = المتاح
stock-in-transit = قيد النقل
stock-average-cost = متوسط التكلفة
stock-reorder-level = حد إعادة الطلب
stock-total = كل المستودعات
stock-quantity = الكمية

## Movements

movement-when = التاريخ
movement-kind = الحركة
movement-change = التغيير
movement-balance = الرصيد في المستودع
movement-unit-cost = تكلفة الوحدة
movement-detail = المرجع
movement-received = استلام
movement-issued = صرف
movement-transferred-out = نقل إلى الخارج
movement-transferred-in = نقل إلى الداخل
movement-counted = جرد
movement-returned = مرتجع
movement-consumed = مستهلك في الإنتاج
movement-production = أمر الإنتاج { $number }
movement-to = إلى { $warehouse }
movement-from = من { $warehouse }
movements-older = حركات أقدم
movements-newest = أحدث الحركات

## The stock forms

stock-actions = استلام، شطب، نقل، جرد
stock-choose-warehouse = اختر مستودعًا
stock-no-warehouses = لا يوجد مستودع مفتوح بعد، لذا لا يمكن استلام أي بضاعة.
stock-insufficient = لا يحتوي المستودع على هذه الكمية من المنتج.
stock-cost-number = أدخل صفرًا أو مبلغًا موجبًا، مثل 2.50.
receipt-heading = استلام بضاعة
receipt-unit-cost = تكلفة الوحدة
receipt-reference = المرجع (اختياري)
receipt-submit = استلام
transfer-heading = نقل بين المستودعات
transfer-from = من المستودع
transfer-to = إلى المستودع
transfer-submit = نقل
transfer-same-warehouse = اختر مستودعًا غير الذي تغادره البضاعة.
count-heading = الجرد
count-counted = الكمية المعدودة
count-submit = تسجيل الجرد
count-not-negative = أدخل صفرًا أو رقمًا أكبر من الصفر.
stock-business-day = تاريخ العملية (فارغ: الآن)
stock-business-time = الوقت (اختياري)
writeoff-heading = شطب
writeoff-submit = شطب
writeoff-reason = السبب
writeoff-reason-required = اذكر سبب شطب البضاعة.
writeoff-reason-damaged = تالف
writeoff-reason-expired = منتهي الصلاحية
writeoff-reason-lost = مفقود
writeoff-reason-internal = استخدام داخلي
reorder-heading = حد إعادة الطلب
reorder-level = أعد الطلب عندما يقل الرصيد عن (فارغ: بلا حد)
reorder-submit = تعيين الحد
movement-saved = تم الحفظ: { $kind } { $change } في { $warehouse }، { $when }.
movement-balances = { $count ->
    [0] الرصيد بعدها: { $after }.
   *[other] الرصيد بعدها: { $after }. عدد الحركات اللاحقة المعاد حسابها: { $later }؛ الرصيد الآن: { $now }.
}

## The stock overview

stock-title = نظرة عامة على المخزون
stock-show = عرض
stock-closed = (مغلق)
stock-in-warehouse = المخزون في هذا المستودع
stock-none = لا يوجد مخزون مطابق في هذا المستودع.
stock-is-low = منخفض
stock-low = المخزون المنخفض في كل المستودعات
stock-low-none = لا يوجد مخزون تحت حد إعادة الطلب.
stock-shortfall = النقص
product-new = منتج جديد
product-new-title = منتج جديد
product-edit = عدّل المنتج
product-edit-title = تعديل المنتج
product-sku = رمز المنتج
product-unit = الوحدة
product-name = الاسم
product-category = الفئة (اختياري)
product-barcode-optional = الباركود (اختياري)
product-vat = ضريبة القيمة المضافة، %
product-discontinued = متوقف: لم يعد يُباع
product-new-submit = أضف المنتج
form-sku = رمز المنتج حروف وأرقام ونقاط وشرطات، دون مسافات.
form-sku-taken = هذا الرمز لمنتج آخر.
form-unit = أدخل وحدة مثل قطعة أو كغ أو م.
form-vat = أدخل نسبة ضريبة من 0 إلى 100، مثل 5.

## Warehouses

warehouses-title = المستودعات
warehouses-link = المستودعات
warehouses-none = لا يوجد مستودع مفتوح بعد.
warehouses-name = الاسم
warehouses-negative = يسمح بالرصيد السالب
warehouses-negative-help = يمكن أن يصبح الرصيد هنا سالبًا (بضاعة شُحنت قبل تسجيل استلامها)
warehouses-allow-negative = السماح بالسالب
warehouses-forbid-negative = منع السالب
warehouses-rename = إعادة التسمية
warehouses-close = إغلاق
warehouses-new = فتح مستودع
warehouses-open-submit = فتح المستودع
warehouses-name-blank = لم تتغير تسمية المستودع: لا يجوز أن يكون الاسم فارغًا.

## Price lists

price-lists-title = قوائم الأسعار
price-lists-link = قوائم الأسعار
price-lists-none = لا توجد قوائم أسعار بعد.
price-list-title = قائمة أسعار
price-list-name = الاسم
price-list-currency = العملة
price-list-vat = الضريبة
price-list-vat-help = الأسعار تشمل الضريبة (تجزئة)
price-list-prices = الأسعار
price-list-discounts = الخصومات الدائمة
price-list-new = إنشاء قائمة أسعار
price-list-define = إنشاء القائمة
price-list-rename = إعادة تسمية القائمة
price-quote = ما يدفعه العميل
price-quote-submit = عرض السعر
price-customer = العميل
price-customer-optional = العميل (فارغ: أي عميل)
price-product = المنتج
price-sku = رمز المنتج
price-sku-optional = رمز المنتج (فارغ: كل المنتجات)
price-list-price = سعر القائمة
price-source = { $scope }، من { $from }
price-unit-price = سعر الوحدة
price-total = للكمية
price-scope = لمن
price-scope-tag = العملاء الموسومون
price-scope-customer = عميل واحد
price-tag = الوسم
price-set = تعيين سعر
price-set-discount = تعيين خصم
price-discount-kind = الخصم بـ
price-remove = حذف
price-more = تظهر أول 200 سعر فقط: ابحث لتضييقها.
price-none-listed = لا أسعار في هذه القائمة بعد.
price-no-discounts = لا خصومات دائمة في هذه القائمة.
price-sku-unknown = لا يوجد منتج بهذا الرمز.
price-tag-required = أدخل الوسم.
price-customer-required = أدخل اسم العميل.
price-customer-none = لا يطابق أي من عملائك.
price-customer-several = يطابق عدة عملاء: اكتب المزيد من الاسم.
price-discount-invalid = أدخل نسبة من 0 إلى 100، أو مبلغًا لا يقل عن الصفر.
price-discontinued = هذا المنتج متوقف وليس له سعر.
price-none = لا سعر لهذا المنتج في هذه القائمة.
