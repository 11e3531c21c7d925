import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BACKEND_VERIFICATION_STATES, BACKEND_VERIFY_PORT, ENCAPSULATION_BACKEND_FAMILIES, ENCAPSULATIONS, IP_FAMILIES, type BackendVerificationState, type IpFamily } from '@anyfront/contracts';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

const REGION = /^[a-z][a-z0-9-]{0,62}$/;
const REGION_MSG = 'must be a lower-case region name such as "eu-west" (letters, digits, dashes)';

export class CreateBackendDto {
  @ApiProperty({
    example: '2001:db8:1::10',
    description:
      'One global unicast IPv4 or IPv6 address (no prefix, port or hostname). The family must suit the service encapsulation: ' +
      ENCAPSULATIONS.map((e) => `${e}: ${ENCAPSULATION_BACKEND_FAMILIES[e].map((f) => `IPv${f}`).join(' or ')}`).join('; ') +
      '.',
  })
  @IsString()
  @MaxLength(64)
  address!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, default: 100, description: 'Relative share of new flows; 0 drains the backend' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  weight?: number;

  @ApiPropertyOptional({ type: String, example: 'eu-west', nullable: true })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString()
  @Matches(REGION, { message: REGION_MSG })
  region?: string | null;

  @ApiPropertyOptional({ default: true, description: 'false takes the backend out of rotation' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateBackendDto {
  @ApiPropertyOptional({ example: '2001:db8:1::11' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  address?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  weight?: number;

  @ApiPropertyOptional({ type: String, example: 'eu-west', nullable: true, description: 'null clears it' })
  @ValidateIf((_, v) => v !== undefined && v !== null)
  @IsString()
  @Matches(REGION, { message: REGION_MSG })
  region?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class BackendDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) service_id!: string;
  @ApiProperty({ example: '2001:db8:1::10' }) address!: string;
  @ApiProperty({ enum: IP_FAMILIES }) family!: IpFamily;
  @ApiProperty({ minimum: 0, maximum: 100 }) weight!: number;
  @ApiProperty({ type: String, nullable: true }) region!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({
    enum: BACKEND_VERIFICATION_STATES,
    description:
      'Ownership proof: the backend gets client traffic only once verified. pending: the edges have no answer yet from the backend kit ' +
      `(port ${BACKEND_VERIFY_PORT} on the service's anycast addresses, through the tunnel); verified: the kit answered with this backend's proof; ` +
      'failed: something answered, but without this backend\'s proof (the kit holds another token, or none for this backend). Run the backend kit with `verification_token`.',
  })
  verification!: BackendVerificationState;
  @ApiProperty({ type: String, nullable: true, description: 'Why it is pending or failed, from the edge that decided it; null when verified' })
  verification_reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When an edge last challenged the backend (null: not yet)' })
  verification_checked_at!: string | null;
  @ApiProperty({ example: `afv_${'0'.repeat(64)}`, description: 'This backend\'s token for the backend kit (`--verify-token`); it proves nothing on its own, only a kit on this backend holding it can answer' })
  verification_token!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
