# رسائل صفحات المهام.
tasks-title = المهام
tasks-week-link = التقويم: عرض الأسبوع
tasks-filters = أي المهام
tasks-show-open = كل المهام المفتوحة ({ $count })
tasks-show-overdue = المتأخرة ({ $count })
tasks-show-today = مستحقة اليوم ({ $count })
tasks-show-upcoming = القادمة ({ $count })
tasks-show-completed = المنجزة ({ $count })
tasks-none-open = لا توجد مهام مفتوحة.
tasks-none-overdue = لا توجد مهام متأخرة.
tasks-none-today = لا شيء مستحق اليوم.
tasks-none-upcoming = لا توجد مهام قادمة.
tasks-none-completed = لا توجد مهام منجزة.
tasks-column-title = المهمة
tasks-column-due = الاستحقاق
tasks-column-about = بخصوص
tasks-column-action = الإجراء
tasks-no-due = بلا موعد
tasks-overdue-mark = متأخرة
tasks-about-customer = عميل
tasks-about-deal = صفقة
tasks-complete = إنجاز
tasks-reopen = إعادة فتح
tasks-pages = صفحات المهام
tasks-next = الصفحة التالية
tasks-first = الصفحة الأولى
owner-label = لمن
owner-show = عرض
owner-me = أنا
owner-user = المستخدم { $id }
owner-group = المجموعة { $id }
owner-group-named = المجموعة: { $name }

# التقويم: عرض الأسبوع
calendar-title = التقويم
calendar-tasks-link = قائمة المهام
calendar-week-of = أسبوع يوم
calendar-week = الأسبوع { $range }
calendar-weeks = الأسابيع
calendar-previous = الأسبوع السابق
calendar-this-week = هذا الأسبوع
calendar-next = الأسبوع التالي
calendar-today = اليوم
calendar-nothing = لا شيء مخطط.
calendar-day-1 = الاثنين، { $date }
calendar-day-2 = الثلاثاء، { $date }
calendar-day-3 = الأربعاء، { $date }
calendar-day-4 = الخميس، { $date }
calendar-day-5 = الجمعة، { $date }
calendar-day-6 = السبت، { $date }
calendar-day-7 = الأحد، { $date }
task-page-title = المهمة
task-new = مهمة جديدة
task-assignee = لمن
task-reminder = التذكير
task-time = الوقت (UTC)
task-description = ملاحظات
task-status-open = مفتوحة
task-status-completed = مكتملة
task-status-cancelled = ملغاة
task-reschedule = الموعد والتذكير
task-reschedule-submit = احفظ الأوقات
task-reassign = لمن المهمة
task-reassign-submit = أعد الإسناد
task-edit = غيّر العنوان أو الملاحظات
task-cancel = ألغِ المهمة
form-date-time-any = أدخل يومًا، ووقتًا إن شئت.

## Calendar entries

calendar-views = العرض
calendar-view-day = يوم
calendar-view-week = أسبوع
calendar-view-month = شهر
calendar-day-heading = { $range }
calendar-month-heading = الشهر: { $range }
calendar-more = { $count } أخرى
entry-new = تخطيط موعد
entry-new-submit = خطّط
entry-title = موعد في التقويم
entry-title-label = العنوان
entry-location = المكان (اختياري)
entry-day = اليوم
entry-start = من
entry-end = إلى
entry-attendees = الحضور
entry-reminder = التذكير
entry-reminder-save = ضبط التذكير
entry-remind-none = بلا تذكير
entry-remind-minutes = { $count ->
    [one] قبل دقيقة واحدة
    [two] قبل دقيقتين
    [few] قبل { $shown } دقائق
   *[other] قبل { $shown } دقيقة
}
entry-remind-hours = { $count ->
    [one] قبل ساعة واحدة
    [two] قبل ساعتين
    [few] قبل { $shown } ساعات
   *[other] قبل { $shown } ساعة
}
entry-remind-days = { $count ->
    [one] قبل يوم واحد
    [two] قبل يومين
    [few] قبل { $shown } أيام
   *[other] قبل { $shown } يومًا
}
entry-attendees-required = اختر حاضرًا واحدًا على الأقل.
entry-time-invalid = أدخل وقتًا مثل 09:30.
entry-scheduled = مخطط
entry-completed = تم
entry-cancelled = ملغى
entry-reschedule = إعادة الجدولة
entry-change = تغيير العنوان أو المكان أو الحضور
entry-complete = تحديد كمنعقد
entry-reopen = إعادة فتح
entry-cancel = إلغاء الموعد
entry-cancel-reason = السبب (اختياري)
calendar-earlier = السابق
calendar-later = التالي
calendar-this-period = اليوم
