"""canonical attachments procedures verifications sectoral crosswalk

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:27:09.391423
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('admin_commune_crosswalk',
    sa.Column('old_code', sa.String(length=5), nullable=False),
    sa.Column('new_code', sa.String(length=5), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('old_code', 'new_code', name=op.f('pk_admin_commune_crosswalk'))
    )
    op.create_table('citizen_verification',
    sa.Column('subject_id_hash', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('exists_in_source', sa.Boolean(), nullable=True),
    sa.Column('name_matches', sa.Boolean(), nullable=True),
    sa.Column('birth_date_matches', sa.Boolean(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id_hash', 'source', name=op.f('pk_citizen_verification'))
    )
    op.create_table('dossier_attachment',
    sa.Column('dossier_id', sa.String(length=64), nullable=False),
    sa.Column('attachment_id', sa.String(length=128), nullable=False),
    sa.Column('component_code', sa.String(length=64), nullable=True),
    sa.Column('is_deleted', sa.Boolean(), nullable=False),
    sa.Column('digitised', sa.Boolean(), nullable=True),
    sa.Column('reuse_state', sa.SmallInteger(), nullable=True),
    sa.Column('from_personal_store', sa.Boolean(), nullable=True),
    sa.Column('replaced_by_result_code', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id', 'attachment_id', name=op.f('pk_dossier_attachment'))
    )
    op.create_table('procedure',
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('field_code', sa.String(length=64), nullable=True),
    sa.Column('field_name', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('procedure_code', name=op.f('pk_procedure'))
    )
    op.create_table('procedure_component',
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('component_code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('originals', sa.SmallInteger(), nullable=True),
    sa.Column('copies', sa.SmallInteger(), nullable=True),
    sa.Column('replaced_by_result_code', sa.String(length=64), nullable=True),
    sa.Column('replaceable_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('procedure_code', 'component_code', name=op.f('pk_procedure_component'))
    )
    op.create_table('sectoral_record',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('record_key', sa.String(length=256), nullable=False),
    sa.Column('record_type', sa.String(length=64), nullable=False),
    sa.Column('subject_id_hash', sa.String(length=64), nullable=True),
    sa.Column('subject_id_kind', sa.String(length=16), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('commune_code_as_received', sa.String(length=8), nullable=True),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('attributes', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('load_id', sa.String(length=36), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'record_key', name=op.f('pk_sectoral_record'))
    )
    with op.batch_alter_table('sectoral_record', schema=None) as batch_op:
        batch_op.create_index('ix_sectoral_record_subject', ['subject_id_hash'], unique=False)

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_code_as_received', sa.String(length=8), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('commune_code_as_received')

    with op.batch_alter_table('sectoral_record', schema=None) as batch_op:
        batch_op.drop_index('ix_sectoral_record_subject')

    op.drop_table('sectoral_record')
    op.drop_table('procedure_component')
    op.drop_table('procedure')
    op.drop_table('dossier_attachment')
    op.drop_table('citizen_verification')
    op.drop_table('admin_commune_crosswalk')
