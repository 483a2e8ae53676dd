#pragma once
// Invented patients for feed-sim: names, dates of birth, addresses, a trust-local MRN and an NHS
// number from the 999 test range (never a real person's number) that passes modulus 11.
//
// Contract: make() draws everything from the FeedRandom it is given, so the same seed gives the
// same patients; NHS numbers and MRNs are never handed out twice by one factory. Names are UTF-8;
// a trust whose charset is empty (ASCII) only gets names without accents. Not thread-safe.
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "channels/feed/feed_random.h"
#include "channels/feed/trust_profile.h"

namespace irwell::feed {

struct Patient {
  std::string nhs_number;                    // ten digits, 999xxxxxxc
  std::string mrn;                           // the trust's own number, e.g. RM104233
  std::string family, given, middle, title;  // UTF-8
  char sex = 'U';                            // M, F, U
  int birth_year = 1970, birth_month = 1, birth_day = 1;
  int house = 1;
  std::string street, postcode;
  size_t trust = 0;  // index into the generator's trusts
};

// The modulus-11 check digit of nine digits; nullopt when it would be 10 (no valid number).
std::optional<int> nhs_check_digit(std::string_view nine_digits);
// "9990000018" -> "999 000 0018".
std::string spaced_nhs_number(std::string_view digits);

class PatientFactory {
 public:
  Patient make(FeedRandom& rng, const TrustProfile& trust, size_t trust_index);

 private:
  std::set<std::string> nhs_numbers_;
  std::set<std::string> mrns_;
};

}  // namespace irwell::feed
