import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Event types a webhook endpoint receives (every endpoint receives all of them). */
export const WEBHOOK_EVENT_TYPES = ['relocation.notice'] as const;

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/anyfront', maxLength: 2000, description: 'https:// on a public host (its addresses must be public unicast; checked now and at every delivery)' })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ example: 'ops pager', maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  description?: string;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, description: 'What it receives' }) events!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({
    example: 'whsec_3q2+7wMPyYbmP3Rd2v9h0e6kTqH1pZsF',
    description: 'The signing secret, in this response only. Each delivery carries `Anyfront-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with this secret>` and `Anyfront-Webhook-Id` (the event id: the same on every retry; ignore ids you have seen).',
  })
  secret!: string;
}
