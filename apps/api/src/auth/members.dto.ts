import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength } from 'class-validator';
import { DEFAULT_ORGANIZATION_ROLE, ORGANIZATION_ROLES, oneOf, type OrganizationRole } from '@anyfront/contracts';
import { NewPassword } from './password-policy';

export class CreateMemberDto {
  @ApiProperty({ example: 'grace@example.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @IsEmail({}, { message: 'must be an email address, e.g. grace@example.com' })
  @MaxLength(254)
  email!: string;

  @NewPassword({ description: 'Initial password; the new member logs in with it', contextFields: ['email'] })
  password!: string;

  @ApiProperty({ enum: ORGANIZATION_ROLES, default: DEFAULT_ORGANIZATION_ROLE })
  @IsIn(ORGANIZATION_ROLES, { message: oneOf(ORGANIZATION_ROLES) })
  role: OrganizationRole = DEFAULT_ORGANIZATION_ROLE;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: ORGANIZATION_ROLES })
  @IsIn(ORGANIZATION_ROLES, { message: oneOf(ORGANIZATION_ROLES) })
  role!: OrganizationRole;
}

export class MemberDto {
  @ApiProperty({ format: 'uuid', description: 'The user id' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ORGANIZATION_ROLES }) role!: OrganizationRole;
  @ApiProperty({ format: 'date-time', description: 'When the user joined the organization' }) created_at!: string;
}
