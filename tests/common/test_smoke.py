from sqlalchemy import select

from common.staff.models import StaffUser


def test_world_has_staff_scoped_to_its_clinic(world, other_world):
    with world.ctx("admin") as ctx:
        emails = ctx.session.scalars(select(StaffUser.email)).all()
    assert len(emails) == 6
    assert all(world.clinic_id.hex[:8] in email for email in emails)
