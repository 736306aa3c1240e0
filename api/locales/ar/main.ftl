# HyperCRM web UI, Arabic (right to left; Western digits, see format.rs).

app-name = HyperCRM
skip-to-content = انتقل إلى المحتوى
nav-label = الأقسام
nav-dashboard = لوحة المعلومات
nav-customers = العملاء
nav-pipeline = مسار الصفقات
nav-catalog = الكتالوج والمخزون
nav-orders = الطلبات
nav-tasks = المهام والتقويم
nav-reports = التقارير
language-label = اللغة
language-change = تغيير


dashboard-title = لوحة المعلومات
dashboard-today = اليوم، { $date }
dashboard-period = الفترة { $range }
dashboard-period-form = اختر فترة
dashboard-branch = الفرع
dashboard-branches = الفروع جنبًا إلى جنب
dashboard-branch-today = اليوم
dashboard-branch-period = في الفترة
dashboard-branch-overdue = المتأخر
dashboard-from = من
dashboard-to = إلى
dashboard-show = عرض
dashboard-live-note = تتحدث الأرقام تلقائيًا مع تسجيل الأحداث (حتى الآن { $events }).
kpi-sales = المبيعات
kpi-sales-note = صافي الطلبات المؤكدة
kpi-orders = الطلبات
kpi-orders-note = الطلبات المؤكدة
kpi-payments = المدفوعات
kpi-payments-note = المبالغ المستلمة
kpi-no-rate = لا يوجد سعر صرف لـ { $currencies } بعد: لا إجمالي بعملة واحدة
kpi-units = الوحدات المشحونة
kpi-units-week-note = هذا الأسبوع، منذ { $date }
kpi-units-period-note = خلال الفترة
kpi-overdue = الفواتير المتأخرة
kpi-overdue-note = { $count ->
    [zero] لا توجد فواتير متأخرة
    [one] فاتورة واحدة متأخرة
    [two] فاتورتان متأخرتان
    [few] { $shown } فواتير متأخرة
    [many] { $shown } فاتورة متأخرة
   *[other] { $shown } فاتورة متأخرة
}
kpi-none = لا شيء بعد
chart-sales-by-day = المبيعات حسب اليوم
chart-sales-caption = صافي الطلبات المؤكدة في كل يوم من الفترة، بعملة { $currency }.
chart-no-sales = لا توجد مبيعات في هذه الفترة.
chart-funnel = قمع المبيعات
chart-funnel-none = لم تُفتح أي صفقات في هذه الفترة.
chart-funnel-opened = المفتوحة
chart-funnel-won = الرابحة
chart-funnel-lost = الخاسرة
chart-funnel-caption = صفقات مسار { $pipeline } المفتوحة في الفترة: كم منها بلغ كل مرحلة، ونسبتها من الخطوة السابقة.
chart-stock = قيمة المخزون: { $total }
chart-stock-none = لا يوجد مخزون في المستودعات بعد.
chart-stock-other = مستودعات أخرى
chart-stock-caption = البضائع المتوفرة الآن بمتوسط تكلفتها المتحرك، لكل مستودع.
chart-ageing = الذمم المدينة حسب العمر
chart-ageing-none = لا توجد فواتير بعد.
chart-ageing-caption = المستحق على العملاء في نهاية اليوم حسب أيام التأخير: { $total } إجمالًا.
error-date = أدخل التاريخ بالصيغة YYYY-MM-DD.
error-period-order = يجب ألا تكون البداية بعد النهاية.
error-period-long = لا يمكن أن تتجاوز الفترة 366 يومًا.

customers-title = العملاء
customers-search-label = البحث بالاسم أو الهاتف أو البريد أو الوسم
customers-search = بحث
customers-name = الاسم
customers-kind = النوع
customers-email = البريد الإلكتروني
customers-phone = الهاتف
customers-tags = الوسوم
customers-company = شركة
customers-person = شخص
customers-none = لا يوجد عملاء مطابقون.
customers-next = الصفحة التالية
customers-first = الصفحة الأولى
customers-showing = { $count ->
    [zero] لا يوجد عملاء في هذه الصفحة
    [one] عميل واحد في هذه الصفحة
    [two] عميلان في هذه الصفحة
    [few] { $shown } عملاء في هذه الصفحة
   *[other] { $shown } عميلًا في هذه الصفحة
}

customer-not-found = العميل غير موجود
customer-not-found-body = لا يوجد عميل بهذا العنوان. ربما كُتب بشكل خاطئ.
customer-back = العودة إلى العملاء
customer-details = التفاصيل
customer-job-title = المسمى الوظيفي
customer-works-at = يعمل في
customer-status = الحالة
customer-status-active = نشط
customer-status-archived = مؤرشف
customer-status-merged = دُمج مع عميل آخر
customer-registered = تاريخ التسجيل
customer-source = المصدر
customer-channels = قنوات الاتصال
customer-no-channels = لا توجد قنوات اتصال مسجلة.
customer-primary = رئيسي
customer-staff = الأشخاص
customer-timeline = السجل الزمني
customer-timeline-empty = لم يحدث شيء مع هذا العميل بعد.
customer-timeline-more = يُعرض أحدث { $shown } من السجلات.

channel-email = البريد الإلكتروني
channel-work-phone = هاتف العمل
channel-mobile-phone = الهاتف المحمول
channel-telegram = تيليجرام
channel-whatsapp = واتساب
channel-skype = سكايب
channel-viber = فايبر
channel-social-profile = حساب على وسائل التواصل
channel-website = الموقع الإلكتروني
channel-postal-address = العنوان البريدي

entry-call = مكالمة
entry-email = بريد إلكتروني
entry-meeting = اجتماع
entry-note = ملاحظة
entry-deal-opened = فُتحت صفقة
entry-deal-stage-moved = نُقلت صفقة
entry-deal-won = رُبحت صفقة
entry-deal-lost = خُسرت صفقة
entry-deal-reopened = أُعيد فتح صفقة
entry-task-created = أُنشئت مهمة
entry-task-completed = أُنجزت مهمة
entry-calendar = موعد في التقويم
entry-lead-captured = عميل محتمل جديد
entry-lead-converted = تحويل عميل محتمل
entry-order-confirmed = تأكيد طلب
entry-order-shipped = شحن طلب
entry-order-invoiced = إصدار فاتورة
entry-order-returned = إرجاع بضاعة
entry-order-cancelled = إلغاء طلب
entry-payment-received = استلام دفعة
entry-sale-imported = بيع (مستورد)

# The customer card's forms
log-heading = تسجيل مكالمة أو بريد أو اجتماع أو ملاحظة
log-kind = النوع
log-direction = الاتجاه
log-minutes = المدة بالدقائق
log-subject = الموضوع
log-body = ملاحظات
log-submit = تسجيل
interaction-kind-call = مكالمة
interaction-kind-email = بريد إلكتروني
interaction-kind-meeting = اجتماع
interaction-kind-note = ملاحظة
interaction-direction-outbound = صادر
interaction-direction-inbound = وارد
task-heading = إنشاء مهمة
task-title = المهمة
task-due = تاريخ الاستحقاق
task-priority = الأولوية
task-submit = إنشاء المهمة
task-priority-low = منخفضة
task-priority-normal = عادية
task-priority-high = عالية
task-priority-urgent = عاجلة

# Form errors
form-invalid = هذه القيمة غير مقبولة.
form-rejected = هذا غير مسموح به الآن ({ $rule }).
form-not-found = شيء يشير إليه هذا النموذج لم يعد موجودًا.
form-conflict = قام شخص آخر بتغيير هذا في الوقت نفسه. يرجى المحاولة مرة أخرى.
form-failed = تعذر الحفظ. يرجى المحاولة مرة أخرى.
form-whole-number = أدخل عددًا صحيحًا، مثل 15.
form-choose = اختر أحد الخيارات.
form-one-line = سطر واحد لا يزيد عن 200 حرف.
form-too-long = هذا النص طويل جدًا.
form-required-line = مطلوب: سطر واحد لا يزيد عن 200 حرف.
form-date = أدخل تاريخًا.

# Orders
orders-title = الطلبات
orders-start-hint = لبدء طلب، افتح بطاقة العميل واختر «طلب جديد».
orders-recent = أحدث الطلبات
orders-none = لا توجد طلبات بعد.
orders-search = بحث
orders-search-hint = الرقم أو التسلسل أو العميل
orders-status-all = كل الحالات
orders-filter = عرض
orders-by-number = الطلبات بهذا الرقم
orders-none-found = لا يطابق أي طلب.
orders-pages = صفحات الطلبات
orders-newest = أحدث الطلبات
orders-older = طلبات أقدم
order-column-number = الطلب
order-column-customer = العميل
order-column-status = الحالة
order-column-total = الإجمالي
order-status-draft = مسودة
order-status-confirmed = مؤكد
order-status-partially-shipped = مشحون جزئيًا
order-status-shipped = مشحون
order-status-closed = مغلق
order-status-cancelled = ملغى
order-new = طلب جديد
order-new-title = طلب جديد
order-new-for = طلب جديد لـ { $customer }
order-back-to-customer = العودة إلى العميل
order-no-customer = العميل غير موجود
order-no-customer-body = يبدأ الطلب من بطاقة العميل؛ هذا العميل غير موجود.
order-price-list = قائمة الأسعار
order-warehouse = المستودع
order-reference = مرجع العميل
order-lines = البنود
order-line-product = المنتج
order-line-quantity = الكمية
order-line-none = (لا شيء)
order-draft-submit = إنشاء مسودة الطلب وعرض الأسعار
order-needs-a-line = أضف بندًا واحدًا على الأقل بمنتج وكمية.
order-title = الطلب
order-number = الطلب { $number }
order-not-found = الطلب غير موجود
order-not-found-body = لا يوجد طلب بهذا العنوان.
order-back = العودة إلى الطلبات
order-currency = العملة
order-unit-price = سعر الوحدة
order-gross = المبلغ
order-shipped = المشحون
order-invoiced = المفوتر
order-returned = المرتجع
order-total = الإجمالي
order-prices-now = الأسعار كما تعطيها قائمة الأسعار الآن؛ تأكيد الطلب يثبتها.
order-actions = الخطوات التالية
order-confirm = تأكيد الطلب
order-ship = شحن
order-invoice = إصدار فاتورة
order-invoice-due = تاريخ الاستحقاق
order-invoices = الفواتير
order-invoice-number = الفاتورة
order-invoice-unnumbered = (قيد الترقيم…)
order-outstanding = المستحق
order-payment-amount = الدفعة
order-payment-method = طريقة الدفع
order-payment-submit = تسجيل الدفعة
payment-method-bank-transfer = تحويل بنكي
payment-method-card = بطاقة
payment-method-cash = نقدًا
order-return-quantity = إرجاع
order-return-heading = استلام مرتجع
order-return-reason = السبب
order-return-submit = تسجيل المرتجع
order-return-needs-a-line = أدخل كمية للإرجاع في بند واحد على الأقل.
form-positive-number = أدخل رقمًا أكبر من الصفر، مثل 2 أو 2.5.

# Pipeline
pipeline-choose = مسار المبيعات
pipeline-show = عرض
pipeline-none = لم يتم إعداد مسار مبيعات بعد.
pipeline-deals = { $count ->
    [zero] لا توجد صفقات
    [one] صفقة واحدة
    [two] صفقتان
    [few] { $shown } صفقات
   *[other] { $shown } صفقة
}
pipeline-move-to = نقل إلى
pipeline-move = نقل
stage-deals-title = الصفقات في مرحلة
stage-deals-heading = { $stage } · { $pipeline }
stage-deals-search = بحث
stage-deals-search-hint = كلمات من الصفقة أو عميلها
stage-deals-none = لا توجد صفقة مفتوحة في هذه المرحلة.
stage-deals-none-found = لا تطابق أي صفقة مفتوحة في هذه المرحلة.
stage-deals-deal = الصفقة
stage-deals-amount = المبلغ
stage-deals-probability = الاحتمال
stage-deals-close = الإغلاق المتوقع
stage-deals-pages = صفحات الصفقات
stage-deals-newest = أحدث الصفقات
stage-deals-older = صفقات أقدم
pipeline-all-deals = كل صفقات هذه المرحلة
pipeline-close = إغلاق كصفقة رابحة أو خاسرة
pipeline-reason = السبب
pipeline-won = ربح
pipeline-lost = خسارة
pipeline-lost-needs-reason = اذكر سبب خسارة الصفقة.
customer-status-erased = بياناته الشخصية ممحوّة
customer-erased = عميل ممحوّ
personal-heading = البيانات الشخصية
personal-erased-note = مُحيت البيانات الشخصية لهذا العميل: الأسماء وقنوات الاتصال والوسوم والحقول المخصصة ونصوص التفاعلات والعملاء المحتملين زالت نهائيًا. تبقى الطلبات والفواتير والمدفوعات في كل التقارير.
personal-export = تنزيل كل ما هو محفوظ عن هذا العميل (JSON)
personal-export-help = لطلب الاطلاع على البيانات: كل سجل عن العميل، من الأقدم إلى الأحدث.
personal-erase-help = يمحو نهائيًا أسماء العميل وقنوات الاتصال والوسوم والحقول المخصصة ونصوص تفاعلاته وعملائه المحتملين؛ وتبقى طلباته وفواتيره ومدفوعاته في كل التقارير. لا يمكن التراجع عن ذلك.
personal-erase-reason = السبب
erasure-reason-request = طلب الشخص ذلك
erasure-reason-retention = محفوظة أطول مما تحتفظ به الشركة بالبيانات
erasure-reason-other = سبب مشروع آخر
personal-erase-confirm = أفهم أنه لا يمكن التراجع عن ذلك
personal-erase-confirm-missing = ضع علامة في المربع لتأكيد أنه لا يمكن التراجع عن ذلك.
personal-erase-submit = محو البيانات الشخصية
personal-failed = تعذّرت معالجة البيانات الشخصية. يُرجى المحاولة مرة أخرى.

# New customer
customer-new = عميل جديد
customer-new-title = عميل جديد
customer-new-person-of = شخص في { $company }
customer-new-company-name = اسم الشركة
customer-new-legal-name = الاسم القانوني (اختياري)
customer-new-first-name = الاسم الأول
customer-new-last-name = اسم العائلة (اختياري)
customer-new-tags = الوسوم، مفصولة بفواصل
customer-new-submit = سجّل العميل
customer-add-person = أضف شخصًا في هذه الشركة
form-email = أدخل عنوان بريد إلكتروني مثل name@example.com.
form-phone = أدخل رقم هاتف مع رمز الدولة، مثل ‎+971 4 123 4567.
form-tags = الوسوم كلمات قصيرة مفصولة بفواصل، 20 على الأكثر.
edit-customer = تغيير البيانات والمصدر والوسوم
edit-rename = احفظ الاسم
edit-save = حفظ
edit-add-tag = وسم جديد
edit-tag = أضف الوسم
edit-untag = أزل الوسم { $tag }
edit-archive-reason = سبب الأرشفة (اختياري)
edit-archive = أرشِف العميل
edit-restore = استعد العميل
edit-channel = تغيير
edit-channel-value = القيمة
edit-channel-label = التسمية (اختياري)
edit-channel-kind = النوع
edit-make-primary = اجعله الأساسي
edit-remove = إزالة
edit-add-channel = أضف قناة اتصال
nav-menu = القائمة
search-title = البحث
search-label = ابحث في العملاء والمنتجات والطلبات
search-placeholder = بحث (اضغط /)
search-hint = اكتب اسم العميل أو بريده أو هاتفه أو وسمه، أو رمز المنتج أو اسمه أو الباركود، أو رقم الطلب.
search-none = لم يُعثر على شيء.
search-all-customers = كل العملاء المطابقين
search-all-products = كل المنتجات المطابقة
log-outcome = نتيجة المكالمة
log-recording = رابط التسجيل (للمكالمات)
log-location = المكان (للاجتماعات)
log-occurred-on = متى، إن كان سابقًا: اليوم
log-occurred-time = الوقت (UTC)
call-outcome-connected = تم الاتصال
call-outcome-no-answer = لا رد
call-outcome-busy = مشغول
call-outcome-left-voicemail = تُركت رسالة صوتية
call-outcome-wrong-number = رقم خاطئ
form-date-time = أدخل يومًا (ووقتًا إن شئت) ليس في المستقبل.
interaction-title = التفاعل
interaction-withdrawn = سُحب هذا التفاعل: لم يعد يظهر في السجل الزمني.
interaction-amend = تعديل
interaction-amend-submit = احفظ التغييرات
interaction-withdraw = سحب
interaction-withdraw-help = السحب يزيله من السجل الزمني للعميل؛ ويبقى في سجل التدقيق.
interaction-withdraw-reason = السبب
interaction-withdraw-submit = اسحبه
reminder-label = تذكير:
dashboard-reminders = التذكيرات
dashboard-reminder-due = الموعد { $due }
dashboard-reminder-starts = يبدأ { $starts }
leads-title = العملاء المحتملون
leads-none = لا يوجد عملاء محتملون مفتوحون.
leads-search = بحث
leads-search-hint = العنوان أو جهة الاتصال أو الشركة أو البريد أو الهاتف أو المصدر
leads-none-found = لا يطابق أي عميل محتمل مفتوح.
leads-pages = صفحات العملاء المحتملين
leads-newest = أحدث العملاء المحتملين
leads-older = عملاء محتملون أقدم
lead-title = عميل محتمل
lead-title-field = ما يريدونه
lead-contact = جهة الاتصال
lead-company = الشركة
lead-captured = تاريخ التسجيل
lead-owner = المسؤول
lead-disqualified-reason = استُبعد بسبب
lead-status-open = مفتوح
lead-status-disqualified = مستبعد
lead-status-converted = حُوّل إلى صفقة
lead-see-pipeline = اعرض مسار الصفقات
lead-capture = سجّل عميلًا محتملًا
lead-capture-submit = احفظ العميل المحتمل
lead-convert = حوّل إلى صفقة
lead-pipeline = مسار الصفقات
lead-amount = المبلغ
lead-expected-close = الإغلاق المتوقع (اختياري)
lead-convert-help = العميل المحتمل الذي لا يذكر عميلًا يسجّل شركته (أو جهة اتصاله) عميلًا جديدًا، مع بريده وهاتفه.
lead-convert-submit = حوّل
lead-disqualify = استبعاد
lead-disqualify-submit = استبعد العميل المحتمل
lead-assign = إسناد
lead-assign-submit = أسند العميل المحتمل
lead-reopen = أعد فتح العميل المحتمل
pipeline-leads = العملاء المحتملون
form-amount = أدخل مبلغًا مثل 1500.00.
form-currency = أدخل رمز عملة من ثلاثة أحرف مثل AED.
deal-open = افتح صفقة
deal-title = الصفقة
deal-open-submit = افتح الصفقة
order-draft-lines = غيّر البنود
order-change-quantity = غيّر الكمية
order-cancel = ألغِ الطلب
edit-field-key = حقل مخصص (اسم مثل contract_no)
edit-field-value = قيمته
edit-field = عيّن الحقل
edit-clear-field = امسح الحقل { $key }
custom-yes = نعم
custom-no = لا
form-branch = اختر فرعًا أو لا شيء.
form-field-key = يبدأ اسم الحقل بحرف لاتيني صغير: حروف وأرقام وشرطات سفلية.

## Branch names

branch-unnamed = الفرع { $id }
branch-none = بلا فرع
branch-all = كل الفروع

## The deal page

deal-edit = تغيير الصفقة
deal-title-label = العنوان
deal-amount = المبلغ
deal-currency = العملة
deal-probability = الاحتمال، %
deal-probability-invalid = أدخل نسبة مئوية صحيحة من 0 إلى 100.
deal-expected-close = الإغلاق المتوقع
deal-owner = المسؤول
deal-close-reason = السبب
deal-save = حفظ الصفقة
deal-status-open = مفتوحة
deal-status-won = رابحة
deal-status-lost = خاسرة
deal-open-page = فتح صفحة الصفقة
deal-closed-note = هذه الصفقة مغلقة: أعد فتحها لتغييرها.
deal-reopen = إعادة فتح الصفقة
deal-reopen-stage = في المرحلة

## The pipelines page

pipelines-title = مسارات المبيعات ومراحلها
pipelines-link = مسارات المبيعات ومراحلها
pipelines-read-only = المسارات مشتركة بين الجميع؛ يغيّرها المسؤولون والمديرون.
pipelines-stage = المرحلة
pipelines-probability = الاحتمال، %
pipelines-up = إلى الأعلى
pipelines-down = إلى الأسفل
pipelines-retire = إيقاف
pipelines-retired = المراحل الموقوفة
pipelines-add-stage = إضافة مرحلة
pipelines-rename = إعادة تسمية المسار
pipelines-name = الاسم
pipelines-new = إنشاء مسار
pipelines-stages = المراحل، واحدة في كل سطر: الاسم، الاحتمال
pipelines-stages-example = التأهيل، 10
pipelines-define = إنشاء المسار
pipelines-stages-invalid = اكتب كل مرحلة في سطر: اسم ثم فاصلة ثم احتمال من 0 إلى 100 (20 مرحلة على الأكثر).
pipelines-name-invalid = لم يُعَد تسمية المسار: لا يجوز أن يكون الاسم فارغًا.
pipelines-stage-invalid = تحتاج المرحلة إلى اسم واحتمال صحيح من 0 إلى 100.
pipelines-duplicate-stage = في هذا المسار مرحلة بهذا الاسم بالفعل.
pipelines-last-stage = يحتفظ المسار بمرحلة واحدة على الأقل: أضف مرحلة أخرى أولًا.
pipelines-too-many-stages = بلغ هذا المسار أقصى عدد من المراحل.

## Duplicates and merging

duplicates-title = التكرارات المحتملة
duplicates-link = التكرارات المحتملة
duplicates-intro = عملاء نشطون يشتركون في رقم هاتف أو بريد إلكتروني، أو أسماؤهم متطابقة بعد تجاهل حالة الأحرف وعلامات الترقيم والأشكال القانونية (ذ.م.م، Ltd…). افتح الدمج للمقارنة بينهم.
duplicates-none = لا توجد تكرارات محتملة.
duplicates-same-email = البريد نفسه { $value }
duplicates-same-phone = الهاتف نفسه { $value }
duplicates-same-name = الاسم نفسه
duplicates-merge-into = دمج { $duplicate } في { $survivor }
merge-title = الدمج
merge-kind-person = شخص
merge-kind-company = شركة
merge-channels = وسائل الاتصال
merge-tags = الوسوم
merge-source = المصدر
merge-registered = تاريخ التسجيل
merge-timeline = سجلات الخط الزمني
merge-deals = الصفقات
merge-duplicate = سيُدمج
merge-survivor = سيبقى
merge-keeps = يحتفظ العميل الباقي باسمه ومسؤوله وفرعه ومصدره وحقوله؛ ويظهر لديه من الآن الخط الزمني والصفقات والطلبات والحساب للعميل المدموج، ويقود عنوانه إليه.
merge-also-keep = امنح الباقي أيضًا
merge-tag = الوسم
merge-after = لا يمكن التراجع عن الدمج من الصفحة.
merge-submit = دمج
order-ship-quantities = الكميات المراد شحنها الآن
order-ship-needs-a-line = أدخل كمية للشحن لسطر واحد على الأقل.
order-invoice-what = الفوترة
order-invoice-everything = كل ما لم يُفوتر بعد
order-invoice-shipment = الشحنة

## The customer's account

customer-account-title = الحساب
account-of = حساب { $customer }
account-link = الحساب: الفواتير والمدفوعات والرصيد الدائن
account-empty = لا فواتير ولا مدفوعات ولا رصيد دائن بعد.
account-receivable = المستحق
account-credit = الرصيد الدائن
account-balance = الرصيد
account-open-invoices = الفواتير المفتوحة
account-no-open-invoices = لا توجد فواتير مفتوحة.
account-paid = المدفوع
account-overdue = متأخرة
account-apply-credit = الدفع من الرصيد الدائن
account-document = المستند
account-print = طباعة
account-print-copy = نسخة (PDF)
account-print-language = لغة المستند
account-more-invoices = تظهر أقدم 200 فاتورة مفتوحة فقط.
account-payment = تسجيل دفعة
account-method = الطريقة
account-pays = تسدد
account-oldest-first = أقدم الفواتير استحقاقًا أولًا (يصبح الباقي رصيدًا دائنًا)
account-payment-submit = تسجيل الدفعة
account-credit-note = إصدار إشعار دائن
account-credit-note-help = تعويض أو تصحيح سعر غير مرتبط بطلب: يصبح رصيدًا دائنًا للعميل ويسدد فاتورته التالية بعملته.
account-net = المبلغ الصافي
account-vat = مبلغ الضريبة (فارغ: لا شيء)
account-credit-note-submit = إصدار الإشعار الدائن
