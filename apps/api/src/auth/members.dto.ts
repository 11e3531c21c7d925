import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

const ROLES = ['owner', 'member'] as const;

export class CreateMemberDto {
  @ApiProperty({ example: 'grace@example.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @IsEmail({}, { message: 'must be an email address, e.g. grace@example.com' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ description: 'Initial password; the new member logs in with it', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;

  @ApiProperty({ enum: ROLES, default: 'member' })
  @IsIn(ROLES, { message: 'must be "owner" or "member"' })
  role: 'owner' | 'member' = 'member';
}

export class UpdateMemberDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: 'must be "owner" or "member"' })
  role!: 'owner' | 'member';
}

export class MemberDto {
  @ApiProperty({ format: 'uuid', description: 'The user id' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiProperty({ format: 'date-time', description: 'When the user joined the organization' }) created_at!: string;
}
