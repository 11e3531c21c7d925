import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ENCAPSULATION_BACKEND_FAMILIES, ENCAPSULATIONS, IP_FAMILIES, type IpFamily } from '@anyfront/contracts';
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
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
