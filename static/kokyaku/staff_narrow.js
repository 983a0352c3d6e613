// 担当部署 narrows the staff pulldown beside it: options carry their department
// (crm.forms.StaffSelect). Used by the handoff form (workflow.forms.HandoffCreateForm); the
// customer card has the same few lines inline (templates/crm/customer/change_reason.html).
document.addEventListener("DOMContentLoaded", function () {
  const dept = document.getElementById("id_department");
  const staff = document.getElementById("id_assignee");
  if (!dept || !staff) return;
  function narrow() {
    for (const option of staff.options) {
      const d = option.dataset.department;
      option.hidden = Boolean(dept.value && option.value && d !== dept.value);
    }
    const chosen = staff.selectedOptions[0];
    if (chosen && chosen.hidden) staff.value = "";
  }
  dept.addEventListener("change", narrow);
  narrow();
});
