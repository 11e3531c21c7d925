import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { CREDENTIAL_KINDS, DEFAULT_ORGANIZATION_ROLE, ORGANIZATION_ROLES, oneOf, PRINCIPAL_ROLES, type CredentialKind, type OrganizationRole, type PrincipalRole } from '@anyfront/contracts';
import { NewPassword } from './password-policy';
import { PASSWORD_MAX_LENGTH } from './passwords';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lowerTrim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class SignupDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(lowerTrim)
  @IsString()
  @IsEmail({}, { message: 'must be an email address, e.g. ada@example.com' })
  @MaxLength(254)
  email!: string;

  @NewPassword({ contextFields: ['email', 'organization_name'] })
  password!: string;

  @ApiProperty({ example: 'Example Ltd' })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(100)
  organization_name!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(lowerTrim)
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class MeDto {
  @ApiProperty({ type: UserDto, nullable: true, description: 'null when the credential is an API key' }) user!: UserDto | null;
  @ApiProperty({ type: OrganizationDto, nullable: true }) organization!: OrganizationDto | null;
  @ApiProperty({ enum: PRINCIPAL_ROLES }) role!: PrincipalRole;
  @ApiProperty({ enum: CREDENTIAL_KINDS }) credential!: CredentialKind;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci deploy', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ enum: ORGANIZATION_ROLES, default: DEFAULT_ORGANIZATION_ROLE, description: 'owner keys can also manage API keys' })
  @IsIn(ORGANIZATION_ROLES, { message: oneOf(ORGANIZATION_ROLES) })
  role: OrganizationRole = DEFAULT_ORGANIZATION_ROLE;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the secret, to tell keys apart' }) prefix!: string;
  @ApiProperty({ enum: ORGANIZATION_ROLES }) role!: OrganizationRole;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) last_used_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) revoked_at!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: "The user who created the key; it never acts above that user's role and is revoked when they leave" })
  created_by!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The secret. Shown only in this response; store it now.', nullable: true, type: String }) secret!: string | null;
}

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Example Labs', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(100)
  name!: string;
}

export class SwitchOrganizationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be an organization id (UUID)' })
  organization_id!: string;
}

export class MyOrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ORGANIZATION_ROLES, description: "The caller's role in it" }) role!: OrganizationRole;
  @ApiProperty({ description: 'The organization this credential acts for now' }) current!: boolean;
}

export class MyOrganizationsDto {
  @ApiProperty({ type: [MyOrganizationDto] }) data!: MyOrganizationDto[];
  @ApiProperty({ type: 'integer', description: 'How many more organizations this account may create' }) can_create!: number;
}
