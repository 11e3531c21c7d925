import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { NewPassword } from './password-policy';
import { PASSWORD_MAX_LENGTH } from './passwords';

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  current_password!: string;

  @NewPassword({ description: 'Refused when easy to guess (common passwords, words, patterns)' })
  new_password!: string;
}

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254)
  email!: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty({ description: 'The one-time token from the reset message (afr_...)' })
  @IsString()
  @Matches(/^afr_[A-Za-z0-9_-]{20,100}$/, { message: 'is not a password reset token' })
  token!: string;

  @NewPassword({ description: 'Refused when easy to guess (common passwords, words, patterns)' })
  new_password!: string;
}

export class PasswordResetAcceptedDto {
  @ApiProperty({ example: 'If an account with this email exists, a reset token is on its way (valid one hour).' }) message!: string;
}
