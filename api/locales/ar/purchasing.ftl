# المشتريات: الموردون وأوامر الشراء والاستلام وأسعار الصرف.

nav-purchasing = المشتريات
purchases-title = أوامر الشراء
purchase-new = أمر شراء جديد
purchases-open-worth = { $count ->
    [zero] لا توجد أوامر مفتوحة
    [one] أمر مفتوح واحد ما زال ينتظر بضاعة بقيمة { $amount }
    [two] أمران مفتوحان ما زالا ينتظران بضاعة بقيمة { $amount }
    [few] { $shown } أوامر مفتوحة ما زالت تنتظر بضاعة بقيمة { $amount }
   *[other] { $shown } أمرًا مفتوحًا ما زالت تنتظر بضاعة بقيمة { $amount }
}
purchases-late = { $count ->
    [zero] لا توجد أوامر متأخرة
    [one] أمر واحد متأخر
    [two] أمران متأخران
    [few] { $shown } أوامر متأخرة
   *[other] { $shown } أمرًا متأخرًا
}
purchases-search = الرقم
purchases-none = لا توجد أوامر شراء هنا.
purchase-column-number = أمر الشراء
purchase-supplier = المورد
purchase-expected = موعد الوصول
purchase-status-draft = مسودة
purchase-status-sent = مُرسَل
purchase-status-partially-received = مستلم جزئيًا
purchase-status-received = مستلم
purchase-status-invoiced = مفوتر
purchase-status-paid = مدفوع
purchase-status-cancelled = ملغى
purchase-not-found = لا يوجد أمر شراء كهذا
purchase-not-found-body = أمر الشراء هذا غير موجود، أو ليس من حقك الاطلاع عليه.
purchase-back = العودة إلى أوامر الشراء
purchase-currency-unset = لم تُحدَّد عملة الشركة بعد: لا يمكن الشراء حتى يحددها المسؤول.
purchase-new-title = أمر شراء جديد
purchase-reference = مرجع المورد
purchase-unit-price = سعر الوحدة
purchase-draft-submit = إنشاء مسودة أمر الشراء
purchase-title = أمر الشراء
purchase-number = أمر الشراء { $number }
purchase-amount = المبلغ
purchase-received = المستلم
purchase-receive-quantity = الواصل الآن
purchase-receive-heading = استلام شحنة
purchase-landed-note = الشحن والرسوم الجمركية وسائر تكاليف إدخال البضاعة بعملة { $currency }: تُوزَّع على البنود وترفع تكلفة البضاعة.
purchase-cost-label = التكلفة
purchase-cost-example = الشحن
purchase-cost-amount = المبلغ
purchase-spread = توزيع التكاليف حسب
purchase-spread-value = القيمة
purchase-spread-quantity = الكمية
purchase-received-on = تاريخ الوصول
purchase-receive-submit = الإدخال إلى المخزون
purchase-add-line = إضافة البند
purchase-send = الإرسال إلى المورد
purchase-receipts = الشحنات المستلمة
purchase-rate = سعر الصرف
purchase-landed = تكاليف الإدخال
purchase-receipt-lines = البضاعة بتكلفة الوحدة
purchase-cancel-reason = سبب الإلغاء
purchase-cancel = إلغاء أمر الشراء
purchase-receive-needs-a-line = أدخل الكمية الواصلة لبند واحد على الأقل.
purchase-cost-invalid = تحتاج كل تكلفة إلى اسم ومبلغ مثل 120.00.

rates-title = العملات وأسعار الصرف
rates-company-currency = عملة الشركة
rates-company-currency-note = بها تُحسب تكلفة المخزون والهوامش وكل التقارير.
rates-set-once = تحديدها (مرة واحدة)
rates-daily = أسعار الصرف اليومية
rates-show = عرض
rates-none = لا توجد أسعار لهذه العملة بعد.
rates-day = اليوم
rates-rate-in = السعر بعملة { $currency }
rates-rate = السعر (بعملة الشركة للوحدة الواحدة)
rates-enter = تسجيل السعر
rates-import = الصق الأسعار بصيغة CSV: العملة، اليوم، السعر
rates-import-submit = استيراد الأسعار
rates-imported = الأسعار المسجلة: { $set }؛ المعروفة من قبل: { $unchanged }.
rates-problem = السطر { $line }: { $problem }
rates-nothing-imported = لم يُستورد شيء: صحّح هذه الأسطر واستورد من جديد.
rates-rate-invalid = أدخل سعرًا أكبر من الصفر مثل 0.9137.

party-roles = الأدوار
party-role-customer = عميل
party-role-supplier = مورد
party-roles-one = الطرف عميل أو مورد أو كلاهما.

offers-title = الموردون والأسعار
offers-for = مصادر شراء { $product }
offers-back = العودة إلى المنتج
offers-no-product = لا يوجد منتج كهذا
offers-no-product-body = هذا المنتج غير موجود.
offers-none = لا يعرض أي مورد هذا المنتج بعد.
offers-code = رمز المورد
offers-minimum = الحد الأدنى
offers-pack = العبوة
offers-lead = مدة التوريد
offers-lead-days = { $days } يوم
offers-preferred = المفضّل
offers-chosen = نطلب منه
offers-prefer = تفضيل
offers-withdraw = سحب
offers-set = عرض مورد
offers-save = حفظ العرض
offers-lead-invalid = أدخل عددًا صحيحًا من الأيام بين 0 و365.

replenishment-title = ما يجب طلبه
replenishment-rule = يُقترح البند حين ينخفض المخزون المتاح مع المطلوب تحت حد إعادة الطلب قبل وصول البضاعة الجديدة (حسب مبيعات آخر 28 يومًا)؛ وتكفي الكمية أسبوعين آخرين، بعبوات المورد.
replenishment-none = لا شيء يحتاج إلى طلب الآن.
replenishment-pick = طلب هذا البند
replenishment-available = المتاح
replenishment-on-order = المطلوب
replenishment-level = حد إعادة الطلب
replenishment-rate = في اليوم
replenishment-quantity = الكمية المطلوبة
replenishment-no-supplier = لا يوجد مورد: أضف عرضًا
replenishment-draft = إنشاء أوامر شراء من البنود المحددة
replenishment-more = بنود أخرى غير معروضة: { $count }.
replenishment-pick-one = حدّد بندًا واحدًا على الأقل.
replenishment-bad-quantity = يحتاج كل بند محدد إلى كمية أكبر من الصفر.

purchase-bills = فواتير المورد
purchase-bill-number = رقم الفاتورة
purchase-bill-due = تاريخ الاستحقاق
purchase-bill-outstanding = المتبقي
purchase-bill-record = تسجيل فاتورة المورد
purchase-bill-issued = تاريخ الإصدار
purchase-bill-submit = تسجيل الفاتورة
purchase-pay = دفع
purchase-pay-amount = المبلغ المدفوع

kpi-purchasing = أوامر الشراء المفتوحة
kpi-purchasing-note = { $count ->
    [zero] لا توجد أوامر منتظرة، المتأخر منها: { $late }
    [one] أمر واحد لم يصل بعد، المتأخر منها: { $late }
    [two] أمران لم يصلا بعد، المتأخر منها: { $late }
    [few] { $shown } أوامر لم تصل بعد، المتأخر منها: { $late }
   *[other] { $shown } أمرًا لم يصل بعد، المتأخر منها: { $late }
}

payables-title = المستحق للموردين
payables-link = المستحق للموردين
payables-as-of = المستحق في نهاية يوم
payables-from = فروق الصرف من
payables-to = إلى
payables-span = اختر مدة لا تزيد على سنة، بدايتها قبل نهايتها.
payables-ageing = فواتير الموردين المفتوحة حسب العمر
payables-none = لا شيء مستحق للموردين في نهاية ذلك اليوم.
payables-not-due = غير مستحق
payables-1-30 = 1–30 يومًا
payables-31-60 = 31–60 يومًا
payables-61-90 = 61–90 يومًا
payables-over-90 = أكثر من 90 يومًا
payables-differences = فروق الصرف المحققة
payables-differences-note = كل جزء من دفعة لمورد بعملة أخرى، مقومًا بسعر يوم الفاتورة ويوم الدفع: ربح إذا كلفت الدفعة أقل بعملة الشركة، وخسارة (سالبة) إذا كلفت أكثر.
payables-differences-none = لم تتحقق فروق صرف في تلك المدة.
payables-invoice = الفاتورة
payables-paid = الجزء المدفوع
payables-gain = ربح أو خسارة
payables-advances = المدفوع مقدمًا
payables-advances-note = ما دُفع لمورد زيادةً على فواتيره في نهاية ذلك اليوم: تُسدَّد منه أولًا فاتورته التالية بالعملة نفسها.
payables-advance = الدفعة المقدمة
