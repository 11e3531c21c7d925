import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const DECIMAL = /^\d{1,15}(\.\d{1,12})?$/;
const DECIMAL_MSG = 'must be a non-negative decimal string in minor units, e.g. "0.54"';

/** A new price-book version (prices in minor units of the book's currency, as decimal strings). */
export class CreatePriceBookEntryDto {
  @ApiProperty({ format: 'date-time', example: '2027-01-01T00:00:00Z', description: 'A whole UTC hour in the future; the version applies from then until the next one' })
  @IsString()
  @MaxLength(40)
  effective_from!: string;

  @ApiPropertyOptional({ example: 'usd', description: "ISO 4217, two minor digits; default and only choice: the book's currency" })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{3}$/, { message: 'must be a lower-case ISO 4217 code such as "usd"' })
  currency?: string;

  @ApiProperty({ example: '0.54', description: 'Minor units per IPv4 anycast address-hour; must divide into whole picominor units per second (multiples of 0.09 with two decimals)' })
  @IsString()
  @Matches(DECIMAL, { message: DECIMAL_MSG })
  ipv4_address_hour!: string;

  @ApiProperty({ example: '0', description: 'Minor units per IPv6 anycast address-hour (may be 0)' })
  @IsString()
  @Matches(DECIMAL, { message: DECIMAL_MSG })
  ipv6_address_hour!: string;

  @ApiProperty({ example: '1.5', description: 'Minor units per GB (10^9 bytes) forwarded by the edges; up to 3 decimals' })
  @IsString()
  @Matches(DECIMAL, { message: DECIMAL_MSG })
  traffic_gb!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { 'sa-east': '3' }, description: 'PoP region → multiplier of traffic_gb; regions not listed pay traffic_gb' })
  @IsOptional()
  @IsObject()
  region_multipliers?: Record<string, string>;

  @ApiProperty({ example: '1000', description: 'Whole minor units per organization per calendar month taken off the usage subtotal' })
  @IsString()
  @Matches(/^\d{1,12}$/, { message: 'must be a whole number of minor units, e.g. "1000"' })
  free_allowance!: string;

  @ApiPropertyOptional({ example: 'Cheaper IPv4 from January' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class PriceBookEntryDto {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ format: 'date-time' }) effective_from!: string;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ example: '0.54' }) ipv4_address_hour!: string;
  @ApiProperty({ example: '0' }) ipv6_address_hour!: string;
  @ApiProperty({ example: '1.5' }) traffic_gb!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) region_multipliers!: Record<string, string>;
  @ApiProperty({ example: '1000' }) free_allowance!: string;
  @ApiProperty({ type: String, nullable: true }) note!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The operator who added it; null for the seeded default' }) created_by!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class PriceBookDto {
  @ApiProperty({ type: Number, nullable: true, description: 'The version in force now' }) current_version!: number | null;
  @ApiProperty({ type: [PriceBookEntryDto], description: 'Every version, oldest first' }) entries!: PriceBookEntryDto[];
}
